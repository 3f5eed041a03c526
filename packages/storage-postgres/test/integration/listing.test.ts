import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStorageError } from '@sanctum/storage-core';
import { createPostgresRecordStore, type PostgresRecordStore } from '../../src/index.js';
import { migratedSchema, type TestSchema } from './support.js';

let db: TestSchema;
let store: PostgresRecordStore;

beforeAll(async () => {
  db = await migratedSchema('list');
  store = createPostgresRecordStore(db.options({ poolSize: 6 }));
  await store.open!();
});

afterAll(async () => {
  await store?.close!();
  await db?.drop();
});

const pad = (n: number) => String(n).padStart(5, '0');

async function listAll(namespace: string, limit: number, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ namespace, limit, ...(prefix === undefined ? {} : { prefix }), ...(cursor === undefined ? {} : { cursor }) });
    keys.push(...page.items.map((item) => item.key));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return keys;
}

describe('keyset listing', () => {
  it('lists 10k records exactly once while another task inserts and deletes around them', async () => {
    const namespace = 'big';
    const stable = Array.from({ length: 10_000 }, (_, i) => `s-${pad(i)}`);
    for (let offset = 0; offset < stable.length; offset += 1000) {
      await store.putMany!({ namespace, entries: stable.slice(offset, offset + 1000).map((key) => ({ key, value: { stable: true } })) });
    }
    // Churn keys sort between stable ones: "s-00042" < "s-00042~c" < "s-00043".
    await store.putMany!({ namespace, entries: stable.slice(0, 1000).map((key) => ({ key: `${key}~c`, value: 'churn' })) });

    let stop = false;
    let churned = 0;
    const racer = (async () => {
      let round = 0;
      while (!stop) {
        const i = (round * 37) % stable.length;
        await store.put({ namespace, key: `${stable[i]!}~r${String(round)}`, value: 'racer' });
        await store.delete({ namespace, key: `${stable[(i * 7) % 1000]!}~c` });
        if (round > 0) await store.delete({ namespace, key: `${stable[((round - 1) * 37) % stable.length]!}~r${String(round - 1)}` });
        round += 1;
        churned = round;
      }
    })();
    let seen: string[];
    try {
      seen = await listAll(namespace, 97);
    } finally {
      stop = true;
      await racer;
    }
    expect(churned).toBeGreaterThan(10);
    for (let i = 1; i < seen.length; i += 1) expect(seen[i - 1]! < seen[i]!).toBe(true);
    const seenStable = seen.filter((key) => !key.includes('~'));
    expect(seenStable).toEqual(stable);
  });

  it('prefix ranges are exact for multi-byte and edge code points', async () => {
    const namespace = 'unicode';
    const keys = ['a', 'a\u00ff', 'a\u00ffz', 'a\u0100', 'é/1', 'é/2', 'ê', '日本/a', '日本/b', '日本0', '😀/x', '😀/y', '😁', '\u{10ffff}a', '\u{10ffff}b', 'z'];
    await store.putMany!({ namespace, entries: keys.map((key) => ({ key, value: key })) });
    expect(await listAll(namespace, 3, 'a\u00ff')).toEqual(['a\u00ff', 'a\u00ffz']);
    expect(await listAll(namespace, 3, 'é/')).toEqual(['é/1', 'é/2']);
    expect(await listAll(namespace, 3, '日本/')).toEqual(['日本/a', '日本/b']);
    expect(await listAll(namespace, 3, '😀')).toEqual(['😀/x', '😀/y']);
    expect(await listAll(namespace, 1, '\u{10ffff}')).toEqual(['\u{10ffff}a', '\u{10ffff}b']);
    // Code point order, as the C collation compares UTF-8 bytes.
    expect(await listAll(namespace, 5)).toEqual([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
  });

  it('refuses keys and prefixes PostgreSQL cannot store, and limits outside 1..1000 (refused, not clamped)', async () => {
    for (const key of ['a\u0000b', '\ud800x', '']) {
      await expect(store.put({ namespace: 'bad', key, value: 1 })).rejects.toSatisfy((e: unknown) => isStorageError(e, 'INVALID_ARGUMENT'));
    }
    await expect(store.list({ namespace: 'bad', prefix: 'p\u0000' })).rejects.toSatisfy((e: unknown) => isStorageError(e, 'INVALID_ARGUMENT'));
    await expect(store.list({ namespace: 'bad', limit: 0 })).rejects.toSatisfy((e: unknown) => isStorageError(e, 'INVALID_ARGUMENT'));
    await expect(store.list({ namespace: 'bad', limit: 5000 })).rejects.toSatisfy((e: unknown) => isStorageError(e, 'INVALID_ARGUMENT'));
    const page = await store.list({ namespace: 'bad', limit: 1000 });
    expect(page.items).toEqual([]);
  });
});
