import { describe, expect, it } from 'vitest';
import { isStorageError, type StorageError } from '@sanctum/storage-core';
import { postgresOptionsSchema, resolveOptions } from '../../src/options.js';

function configError(input: unknown): StorageError {
  try {
    resolveOptions(input);
  } catch (error) {
    if (isStorageError(error, 'CONFIG_INVALID')) return error;
    throw error;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('options schema', () => {
  it('fills every default', () => {
    expect(resolveOptions({ url: 'postgres://app@db:5432/app' })).toEqual({
      url: 'postgres://app@db:5432/app',
      poolSize: 10,
      pipelineDepth: 4,
      statementTimeoutMs: 30_000,
      connectTimeoutMs: 10_000,
      idleTimeoutMs: 0,
      closeTimeoutMs: 5_000,
      schema: 'sanctum',
      table: 'records',
      migrate: 'manual',
      isolation: 'read committed',
      sweepIntervalMs: 0,
      applicationName: 'sanctum-storage',
    });
  });

  it('accepts separate connection fields instead of a URL', () => {
    const options = resolveOptions({ host: 'db', port: 6432, user: 'app', password: 's3cret', database: 'app', ssl: 'require' });
    expect(options).toMatchObject({ host: 'db', port: 6432, user: 'app', password: 's3cret', database: 'app', ssl: 'require' });
  });

  it('accepts every TLS form', () => {
    for (const ssl of [true, false, 'disable', 'prefer', 'require', 'verify-full', { ca: 'PEM', rejectUnauthorized: true, servername: 'db' }]) {
      expect(resolveOptions({ host: 'db', user: 'app', ssl }).ssl).toEqual(ssl);
    }
    expect(configError({ host: 'db', user: 'app', ssl: { unknown: 1 } }).details!['issues']).toEqual([
      expect.objectContaining({ path: 'ssl' }),
    ]);
  });

  it('requires a URL or host and user, and refuses both at once', () => {
    expect(configError({}).details!['issues']).toEqual([
      { path: 'host', message: 'give url, or host and user' },
      { path: 'user', message: 'give url, or host and user' },
    ]);
    expect(configError({ url: 'postgres://db/x', host: 'db' }).details!['issues']).toEqual([
      { path: 'host', message: 'give either url or host/port/user/password/database, not both' },
    ]);
    expect(configError(undefined).code).toBe('CONFIG_INVALID');
  });

  it('never echoes a bad URL, which may hold a password', () => {
    for (const url of ['mysql://root:hunter2@db/x', 'not a url hunter2', 'postgres://:hunter2@/x']) {
      const error = configError({ url });
      expect(error.message).toContain('url must be a postgres:// or postgresql:// URL');
      expect(error.message).not.toContain('hunter2');
      expect(JSON.stringify(error.toJSON())).not.toContain('hunter2');
    }
    expect(resolveOptions({ url: 'postgresql://h/x' }).url).toBe('postgresql://h/x');
  });

  it('restricts schema and table to plain identifiers short enough for derived names', () => {
    for (const schema of ['Sanctum', 'bad-name', '1abc', 'a'.repeat(49), '', 'x"; drop table y; --']) {
      expect(configError({ url: 'postgres://h/x', schema }).details!['issues']).toEqual([expect.objectContaining({ path: 'schema' })]);
    }
    expect(resolveOptions({ url: 'postgres://h/x', schema: '_s1', table: 'a'.repeat(48) }).table).toHaveLength(48);
  });

  it('refuses unknown keys and out-of-range numbers, listing every problem at once', () => {
    const error = configError({ url: 'postgres://h/x', poolSize: 0, statementTimeoutMs: -1, migrate: 'always', extra: true });
    const paths = (error.details!['issues'] as Array<{ path: string }>).map((issue) => issue.path).sort();
    expect(paths).toEqual(['(root)', 'migrate', 'poolSize', 'statementTimeoutMs']);
    expect(error.message).toContain('  - (root): ');
  });

  it('is a Standard Schema, as core validates it', () => {
    const result = postgresOptionsSchema['~standard'].validate({ url: 'postgres://h/x' });
    expect(result).toMatchObject({ value: { schema: 'sanctum' } });
  });
});
