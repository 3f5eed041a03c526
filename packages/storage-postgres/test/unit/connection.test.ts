import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LogEvent } from '@sanctum/storage-core';
import { createClient, endpointOf } from '../../src/connection.js';
import { resolveOptions } from '../../src/options.js';

describe('endpointOf', () => {
  it('reads every part of a URL, decoded', () => {
    expect(endpointOf(resolveOptions({ url: 'postgres://us%40er:p%3Ass@db.example:6432/my%20db' }))).toEqual({
      host: 'db.example',
      port: 6432,
      user: 'us@er',
      password: 'p:ss',
      database: 'my db',
      ssl: false,
    });
  });

  it('defaults port, user and database like libpq, without the environment', () => {
    expect(endpointOf(resolveOptions({ url: 'postgresql://[::1]' }))).toEqual({
      host: '::1',
      port: 5432,
      user: 'postgres',
      password: '',
      database: 'postgres',
      ssl: false,
    });
    expect(endpointOf(resolveOptions({ host: 'db', user: 'app' }))).toEqual({ host: 'db', port: 5432, user: 'app', password: '', database: 'app', ssl: false });
  });

  it('falls back to defaults for fields the schema would have required', () => {
    const bare = { ...resolveOptions({ host: 'h', user: 'u' }), host: undefined, user: undefined };
    expect(endpointOf(bare)).toMatchObject({ host: 'localhost', port: 5432, user: 'postgres', database: 'postgres' });
  });

  it("maps the URL's sslmode unless ssl is given", () => {
    const ssl = (query: string, extra = {}) => endpointOf(resolveOptions({ url: `postgres://db/x${query}`, ...extra })).ssl;
    expect(ssl('?sslmode=disable')).toBe(false);
    expect(ssl('?sslmode=allow')).toBe('prefer');
    expect(ssl('?sslmode=prefer')).toBe('prefer');
    expect(ssl('?sslmode=require')).toBe('require');
    expect(ssl('?sslmode=verify-ca')).toBe('verify-full');
    expect(ssl('?sslmode=verify-full')).toBe('verify-full');
    expect(ssl('?sslmode=bogus')).toBe('verify-full');
    expect(ssl('?sslmode=require', { ssl: false })).toBe(false);
  });
});

describe('createClient', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('configures the pool from the options only: no PG* variable leaks in', async () => {
    vi.stubEnv('PGPASSWORD', 'from-env');
    vi.stubEnv('PGHOST', 'env-host');
    vi.stubEnv('PGMAX', '99');
    vi.stubEnv('PGAPPNAME', 'env-app');
    const client = createClient(resolveOptions({ url: 'postgres://app@db:6543/app', poolSize: 7, statementTimeoutMs: 1234, idleTimeoutMs: 2000, connectTimeoutMs: 1500 }), { log: () => undefined });
    try {
      const options = client.options as unknown as Record<string, unknown> & { pass: () => string; connection: Record<string, unknown> };
      expect(options).toMatchObject({ host: ['db'], port: [6543], user: 'app', database: 'app', max: 7, idle_timeout: 2, connect_timeout: 1.5, prepare: true, fetch_types: false, ssl: false });
      expect(options.pass()).toBe('');
      expect(options.connection).toMatchObject({ application_name: 'sanctum-storage', statement_timeout: 1234 });
    } finally {
      await client.end();
    }
  });

  it('passes TLS settings through and sends server notices to the logger at debug', async () => {
    const events: LogEvent[] = [];
    for (const [ssl, expected] of [
      [true, 'verify-full'],
      ['disable', false],
      [{ ca: 'PEM' }, { ca: 'PEM' }],
    ] as const) {
      const client = createClient(resolveOptions({ host: 'db', user: 'u', password: 'pw', ssl }), { log: (event) => events.push(event) }, 1);
      const options = client.options as unknown as { ssl: unknown; max: number; pass: () => string; onnotice: (notice: Record<string, string>) => void };
      expect(options.ssl).toEqual(expected);
      expect(options.max).toBe(1);
      expect(options.pass()).toBe('pw');
      options.onnotice({ severity: 'NOTICE', code: '42P06', message: 'schema exists, skipping' });
      await client.end();
    }
    expect(events[0]).toEqual({ event: 'postgres.notice', level: 'debug', severity: 'NOTICE', code: '42P06', message: 'schema exists, skipping' });
  });
});
