import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { } from '@sanctum/storage-core';
import { createPostgresRecordStore, type PostgresRecordStore } from '../../../src/index.js';
import { migratedSchema, type TestSchema, rejection } from '../support.js';

// Pins the PostgreSQL adapter's keyset pages on the rig's server: a page that ends the listing
// exactly carries no cursor, the first page starts at the smallest key, and refusals name the
// operation. Each test opens its own store.

let db: TestSchema;

beforeAll(async () => {
  db = await migratedSchema('mpage');
});

afterAll(async () => {
  await db?.drop();
});

async function withStore(body: (store: PostgresRecordStore) => Promise<void>): Promise<void> {
  const store = createPostgresRecordStore(db.options({ poolSize: 2 }));
  await store.open!();
  try {
    await body(store);
  } finally {
    await store.close!();
  }
}

describe('keyset pages', () => {
  it('a page holding exactly the rest has no cursor; one more record gives a cursor to a last page of one', async () => {
    await withStore(async (store) => {
      await store.putMany!({ namespace: 'p1', entries: [{ key: 'k1', value: 1 }, { key: 'k2', value: 2 }] });
      const exact = await store.list({ namespace: 'p1', limit: 2 });
      expect(exact.items.map((item) => item.key)).toEqual(['k1', 'k2']);
      expect(exact.cursor).toBeUndefined();
      await store.put({ namespace: 'p1', key: 'k3', value: 3 });
      const first = await store.list({ namespace: 'p1', limit: 2 });
      expect(first.items.map((item) => item.key)).toEqual(['k1', 'k2']);
      expect(first.cursor).toEqual(expect.any(String));
      const last = await store.list({ namespace: 'p1', limit: 2, cursor: first.cursor! });
      expect(last.items.map((item) => item.key)).toEqual(['k3']);
      expect(last.cursor).toBeUndefined();
    });
  });

  it('the first page starts at the smallest key, whatever its characters', async () => {
    await withStore(async (store) => {
      const keys = [' ', '!', '0', 'A', 'Z', 'a'];
      await store.putMany!({ namespace: 'p2', entries: keys.map((key) => ({ key, value: key })) });
      expect((await store.list({ namespace: 'p2', limit: 10 })).items.map((item) => item.key)).toEqual(keys);
      expect((await store.list({ namespace: 'p2', limit: 1 })).items.map((item) => item.key)).toEqual([' ']);
    });
  });

  it('refusals name the operation, the namespace and the adapter', async () => {
    await withStore(async (store) => {
      for (const attempt of [store.list({ namespace: 'p3', cursor: 'not-a-cursor' }), store.list({ namespace: 'p3', limit: 0 })]) {
        const error = await rejection(attempt);
        expect(error.code).toBe('INVALID_ARGUMENT');
        expect(error).toMatchObject({ operation: 'records.list', namespace: 'p3', adapter: 'postgres' });
      }
    });
  });
});
