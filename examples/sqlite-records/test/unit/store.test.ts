import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createStorageClient, isStorageError, type StorageError } from '@sanctum/storage-core';
import { createSqliteRecordStore, sqliteRecords } from '../../src/index.js';
import { mapError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-records-unit-'));
let files = 0;
const freshFile = () => join(dir, `db-${String(++files)}.sqlite`);

async function failure(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    if (isStorageError(error)) return error;
    throw new Error(`expected a StorageError, got ${String(error)}`);
  }
  throw new Error('expected a failure');
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('options', () => {
  it('refuses bad options with CONFIG_INVALID naming every field', () => {
    let error: unknown;
    try {
      createSqliteRecordStore({ filename: ':memory:', table: 'drop table', busyTimeoutMs: -1 });
    } catch (caught) {
      error = caught;
    }
    expect(isStorageError(error, 'CONFIG_INVALID')).toBe(true);
    const paths = ((error as StorageError).details?.['issues'] as Array<{ path: string }>).map((issue) => issue.path).sort();
    expect(paths).toEqual(['busyTimeoutMs', 'filename', 'table']);
  });
});

describe('store', () => {
  it('answers UNAVAILABLE before open()', async () => {
    const store = createSqliteRecordStore({ filename: freshFile() });
    expect((await failure(store.get({ namespace: 'n', key: 'k' }))).code).toBe('UNAVAILABLE');
  });

  it('maps an aborted signal to TIMEOUT or UNAVAILABLE without touching the database', async () => {
    const store = createSqliteRecordStore({ filename: freshFile() });
    await store.open?.();
    try {
      const timedOut = await failure(store.put({ namespace: 'n', key: 'k', value: 1, signal: AbortSignal.abort(new DOMException('t', 'TimeoutError')) }));
      expect(timedOut.code).toBe('TIMEOUT');
      expect((await failure(store.get({ namespace: 'n', key: 'k', signal: AbortSignal.abort() }))).code).toBe('UNAVAILABLE');
      expect(await store.get({ namespace: 'n', key: 'k' })).toBeUndefined();
    } finally {
      await store.close?.();
    }
  });

  it('a write blocked by another connection’s lock fails with a retryable UNAVAILABLE', async () => {
    const filename = freshFile();
    const store = createSqliteRecordStore({ filename, busyTimeoutMs: 0 });
    await store.open?.();
    const other = new Sqlite(filename);
    try {
      other.exec('BEGIN IMMEDIATE');
      const error = await failure(store.put({ namespace: 'n', key: 'k', value: 1 }));
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.retryable).toBe(true);
      expect(error.adapter).toBe('sqlite');
      other.exec('ROLLBACK');
      await expect(store.put({ namespace: 'n', key: 'k', value: 1 })).resolves.toMatchObject({ version: 1 });
    } finally {
      other.close();
      await store.close?.();
    }
  });

  it('refuses a cursor from another listing with INVALID_ARGUMENT', async () => {
    const store = createSqliteRecordStore({ filename: freshFile() });
    await store.open?.();
    try {
      for (const key of ['a1', 'a2', 'a3']) await store.put({ namespace: 'n', key, value: key });
      const page = await store.list({ namespace: 'n', prefix: 'a', limit: 1 });
      expect(page.cursor).toBeDefined();
      expect((await failure(store.list({ namespace: 'n', prefix: 'b', cursor: page.cursor! }))).code).toBe('INVALID_ARGUMENT');
      expect((await failure(store.list({ namespace: 'other', prefix: 'a', cursor: page.cursor! }))).code).toBe('INVALID_ARGUMENT');
      expect((await store.list({ namespace: 'n', prefix: 'a', cursor: page.cursor! })).items.map((item) => item.key)).toEqual(['a2', 'a3']);
    } finally {
      await store.close?.();
    }
  });

  it('dropNamespace removes the namespace and the ones derived from it, nothing else', async () => {
    const store = createSqliteRecordStore({ filename: freshFile() });
    await store.open?.();
    try {
      for (const namespace of ['ns', 'ns-tx', 'ns.dead-letter', 'nsx', 'other']) await store.put({ namespace, key: 'k', value: 1 });
      expect(await store.dropNamespace('ns')).toBe(3);
      expect(await store.get({ namespace: 'nsx', key: 'k' })).toBeDefined();
      expect(await store.get({ namespace: 'other', key: 'k' })).toBeDefined();
      expect(await store.get({ namespace: 'ns-tx', key: 'k' })).toBeUndefined();
    } finally {
      await store.close?.();
    }
  });
});

describe('error table', () => {
  it('maps driver codes by their primary result code and never lets a raw error through', () => {
    expect(mapError(Object.assign(new Error('x'), { code: 'SQLITE_BUSY_SNAPSHOT' }), 'op').code).toBe('UNAVAILABLE');
    expect(mapError(Object.assign(new Error('x'), { code: 'SQLITE_TOOBIG' }), 'op').code).toBe('PAYLOAD_TOO_LARGE');
    expect(mapError(Object.assign(new Error('x'), { code: 'SQLITE_CORRUPT_VTAB' }), 'op').code).toBe('INTERNAL');
    expect(mapError(new TypeError('boom'), 'op').code).toBe('INTERNAL');
  });
});

describe('through the facade', () => {
  it('serves records<T>() with use: "sqlite", options validated by core', async () => {
    const storage = createStorageClient(
      { schemaVersion: 1, adapters: { lite: { use: 'sqlite', options: { filename: freshFile() } } }, namespaces: { users: { kind: 'record', adapter: 'lite' } } },
      { adapters: [sqliteRecords()] },
    );
    try {
      const users = storage.records<{ name: string }>('users');
      const { etag } = await users.put('u1', { name: 'Ada' });
      expect((await failure(users.put('u1', { name: 'B' }, { ifMatch: `${etag}x` }))).code).toBe('PRECONDITION_FAILED');
      expect((await users.get('u1'))?.value).toEqual({ name: 'Ada' });
    } finally {
      await storage.close();
    }
  });
});
