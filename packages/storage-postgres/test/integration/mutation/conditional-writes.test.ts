import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { } from '@sanctum/storage-core';
import { createPostgresRecordStore, type PostgresRecordStore } from '../../../src/index.js';
import { migratedSchema, type TestSchema, rejection } from '../support.js';

// Pins the PostgreSQL adapter's conditional writes on the rig's server: which condition wins, the
// codes, messages and details of refused writes, how versions and expiry move, and what delete
// answers. Each test opens its own store, so the statements it compiles count for that test only.

let db: TestSchema;

beforeAll(async () => {
  db = await migratedSchema('mcond');
});

afterAll(async () => {
  await db?.drop();
});

async function withStore(body: (store: PostgresRecordStore) => Promise<void>): Promise<void> {
  const store = createPostgresRecordStore(db.options({ poolSize: 2, sweepIntervalMs: 0 }));
  await store.open!();
  try {
    await body(store);
  } finally {
    await store.close!();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('put conditions', () => {
  it('ifNoneMatch on a live key is ALREADY_EXISTS with its message, and keeps the row', async () => {
    await withStore(async (store) => {
      const first = await store.put({ namespace: 'c1', key: 'k', value: 1, ifNoneMatch: '*' });
      expect(first.version).toBe(1);
      const error = await rejection(store.put({ namespace: 'c1', key: 'k', value: 2, ifNoneMatch: '*' }));
      expect(error.code).toBe('ALREADY_EXISTS');
      expect(error.message).toContain('the key already exists');
      expect(error.retryable).toBe(false);
      expect(error).toMatchObject({ operation: 'records.put', namespace: 'c1', adapter: 'postgres' });
      expect(await store.get({ namespace: 'c1', key: 'k' })).toMatchObject({ value: 1, version: 1, etag: first.etag });
    });
  });

  it('a stale or absent ifMatch is PRECONDITION_FAILED with its message; a matching one bumps the version and the ETag', async () => {
    await withStore(async (store) => {
      const missing = await rejection(store.put({ namespace: 'c2', key: 'k', value: 1, ifMatch: 'no-such-etag' }));
      expect(missing.code).toBe('PRECONDITION_FAILED');
      expect(missing.message).toContain('ifMatch does not match the current ETag');
      expect(await store.get({ namespace: 'c2', key: 'k' })).toBeUndefined();
      const first = await store.put({ namespace: 'c2', key: 'k', value: 1 });
      const stale = await rejection(store.put({ namespace: 'c2', key: 'k', value: 2, ifMatch: 'no-such-etag' }));
      expect(stale.code).toBe('PRECONDITION_FAILED');
      const second = await store.put({ namespace: 'c2', key: 'k', value: 2, ifMatch: first.etag });
      expect(second.version).toBe(2);
      expect(second.etag).not.toBe(first.etag);
      expect(await store.get({ namespace: 'c2', key: 'k' })).toEqual({ key: 'k', value: 2, version: 2, etag: second.etag });
      // The old ETag is stale now.
      expect((await rejection(store.put({ namespace: 'c2', key: 'k', value: 3, ifMatch: first.etag }))).code).toBe('PRECONDITION_FAILED');
    });
  });

  it('ETags no store issues (NUL, a lone surrogate) are PRECONDITION_FAILED for put, delete and splice, and change nothing', async () => {
    await withStore(async (store) => {
      const written = await store.put({ namespace: 'c3', key: 'k', value: 'v' });
      for (const ifMatch of ['a\u0000b', 'a\ud800b']) {
        for (const attempt of [
          store.put({ namespace: 'c3', key: 'k', value: 'w', ifMatch }),
          store.delete({ namespace: 'c3', key: 'k', ifMatch }),
          store.spliceValue!({ namespace: 'c3', key: 'k', ifMatch, prefix: '', deleteCount: 0, insert: Buffer.from('x') }),
        ]) {
          const error = await rejection(attempt);
          expect(error.code).toBe('PRECONDITION_FAILED');
          expect(error.message).toContain('ifMatch does not match the current ETag');
        }
      }
      expect(await store.get({ namespace: 'c3', key: 'k' })).toMatchObject({ value: 'v', version: 1, etag: written.etag });
    });
  });

  it('versions restart at 1 over an expired row, for a plain and a create-only put; ifMatch on an expired row fails', async () => {
    await withStore(async (store) => {
      const old = await store.put({ namespace: 'c4', key: 'plain', value: 1 });
      await store.put({ namespace: 'c4', key: 'plain', value: 2, ifMatch: old.etag, ttlMs: 30 });
      const created = await store.put({ namespace: 'c4', key: 'create', value: 1, ttlMs: 30 });
      await store.put({ namespace: 'c4', key: 'live', value: 1 });
      await sleep(80);
      expect((await rejection(store.put({ namespace: 'c4', key: 'create', value: 9, ifMatch: created.etag }))).code).toBe('PRECONDITION_FAILED');
      expect((await store.put({ namespace: 'c4', key: 'plain', value: 3 })).version).toBe(1);
      const recreated = await store.put({ namespace: 'c4', key: 'create', value: 2, ifNoneMatch: '*' });
      expect(recreated.version).toBe(1);
      expect(recreated.etag).not.toBe(created.etag);
      expect(await store.get({ namespace: 'c4', key: 'create' })).toEqual({ key: 'create', value: 2, version: 1, etag: recreated.etag });
      expect((await store.put({ namespace: 'c4', key: 'live', value: 2 })).version).toBe(2);
    });
  });

  it('a conditional put sets the TTL it is given and clears one it is not given', async () => {
    await withStore(async (store) => {
      const first = await store.put({ namespace: 'c5', key: 'k', value: 1, ttlMs: 60_000 });
      const before = Date.now();
      const second = await store.put({ namespace: 'c5', key: 'k', value: 2, ifMatch: first.etag, ttlMs: 120_000 });
      const withTtl = await store.get({ namespace: 'c5', key: 'k' });
      expect(withTtl?.expiresAt).toBeGreaterThan(before + 100_000);
      await store.put({ namespace: 'c5', key: 'k', value: 3, ifMatch: second.etag });
      const entry = await store.get({ namespace: 'c5', key: 'k' });
      expect(entry).toMatchObject({ value: 3, version: 3 });
      expect(entry).not.toHaveProperty('expiresAt');
      const created = await store.put({ namespace: 'c5', key: 'new', value: 1, ifNoneMatch: '*', ttlMs: 60_000 });
      expect(created.version).toBe(1);
      expect((await store.get({ namespace: 'c5', key: 'new' }))?.expiresAt).toBeGreaterThan(before + 50_000);
    });
  });
});

describe('malformed conditions', () => {
  it('are INVALID_ARGUMENT naming the operation, namespace and adapter, before any write', async () => {
    await withStore(async (store) => {
      for (const [attempt, operation] of [
        [store.put({ namespace: 'c9', key: 'k', value: 1, ifMatch: '' }), 'records.put'],
        [store.put({ namespace: 'c9', key: 'k', value: 1, ifNoneMatch: 'etag' as '*' }), 'records.put'],
        [store.delete({ namespace: 'c9', key: 'k', ifMatch: '' }), 'records.delete'],
      ] as const) {
        const error = await rejection(attempt);
        expect(error.code).toBe('INVALID_ARGUMENT');
        expect(error).toMatchObject({ operation, namespace: 'c9', adapter: 'postgres' });
      }
      expect(await store.get({ namespace: 'c9', key: 'k' })).toBeUndefined();
    });
  });
});

describe('spliceValue conditions', () => {
  it('a stale ETag is PRECONDITION_FAILED; a value that is not prefix + base64 is INVALID_ARGUMENT on field "value"', async () => {
    await withStore(async (store) => {
      const written = await store.put({ namespace: 'c6', key: 'k', value: 'p:' + Buffer.from('abc').toString('base64') });
      const splice = (ifMatch: string, prefix = 'p:') => store.spliceValue!({ namespace: 'c6', key: 'k', ifMatch, prefix, deleteCount: 1, insert: Buffer.from('XY') });
      const stale = await rejection(splice('stale'));
      expect(stale.code).toBe('PRECONDITION_FAILED');
      expect(stale.message).toContain('ifMatch does not match the current ETag');
      const malformed = await rejection(splice(written.etag, 'q:'));
      expect(malformed.code).toBe('INVALID_ARGUMENT');
      expect(malformed.message).toContain('the value is not a string of prefix + base64 holding at least deleteCount bytes');
      expect(malformed.details).toMatchObject({ field: 'value' });
      expect(stale).toMatchObject({ operation: 'records.spliceValue', namespace: 'c6', adapter: 'postgres' });
      expect(malformed).toMatchObject({ operation: 'records.spliceValue', namespace: 'c6', adapter: 'postgres' });
      const spliced = await splice(written.etag);
      expect(spliced.version).toBe(2);
      expect(await store.get({ namespace: 'c6', key: 'k' })).toEqual({
        key: 'k',
        value: 'p:' + Buffer.from('XYbc').toString('base64'),
        version: 2,
        etag: spliced.etag,
      });
    });
  });
});

describe('delete', () => {
  it('answers true only for a live row, false for an absent or expired one, and removes both', async () => {
    await withStore(async (store) => {
      await store.put({ namespace: 'c7', key: 'live', value: 1 });
      await store.put({ namespace: 'c7', key: 'expired', value: 1, ttlMs: 30 });
      await sleep(80);
      expect(await store.delete({ namespace: 'c7', key: 'live' })).toBe(true);
      expect(await store.delete({ namespace: 'c7', key: 'live' })).toBe(false);
      expect(await store.delete({ namespace: 'c7', key: 'expired' })).toBe(false);
      expect(await store.delete({ namespace: 'c7', key: 'never' })).toBe(false);
    });
  });

  it('with ifMatch deletes only the matching live row, else PRECONDITION_FAILED with its message', async () => {
    await withStore(async (store) => {
      const written = await store.put({ namespace: 'c8', key: 'k', value: 1 });
      const expired = await store.put({ namespace: 'c8', key: 'old', value: 1, ttlMs: 30 });
      await sleep(80);
      const stale = await rejection(store.delete({ namespace: 'c8', key: 'k', ifMatch: 'stale' }));
      expect(stale.code).toBe('PRECONDITION_FAILED');
      expect(stale.message).toContain('ifMatch does not match the current ETag');
      expect(stale).toMatchObject({ operation: 'records.delete', namespace: 'c8', adapter: 'postgres' });
      expect((await rejection(store.delete({ namespace: 'c8', key: 'old', ifMatch: expired.etag }))).code).toBe('PRECONDITION_FAILED');
      expect((await rejection(store.delete({ namespace: 'c8', key: 'never', ifMatch: written.etag }))).code).toBe('PRECONDITION_FAILED');
      expect(await store.get({ namespace: 'c8', key: 'k' })).toMatchObject({ version: 1 });
      expect(await store.delete({ namespace: 'c8', key: 'k', ifMatch: written.etag })).toBe(true);
      expect(await store.get({ namespace: 'c8', key: 'k' })).toBeUndefined();
    });
  });
});
