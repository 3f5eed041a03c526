import { strict as assert } from 'node:assert';
import type { RecordEntry, RecordStore } from '@sanctum/storage-core/spi';
import { rejectsWith } from '../support/assert-error.js';
import type { RecordSuite } from './record-contract.js';

const pad = (n: number) => String(n).padStart(4, '0');

async function listAll(store: RecordStore, namespace: string, limit: number, prefix?: string): Promise<RecordEntry[][]> {
  const pages: RecordEntry[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ namespace, limit, ...(prefix === undefined ? {} : { prefix }), ...(cursor === undefined ? {} : { cursor }) });
    assert.ok(page.items.length <= limit, `a page of ${String(page.items.length)} items exceeds limit ${String(limit)}`);
    pages.push([...page.items]);
    cursor = page.cursor;
    assert.ok(pages.length < 10_000, 'the listing never ends');
  } while (cursor !== undefined);
  return pages;
}

function assertAscending(keys: readonly string[]): void {
  for (let index = 1; index < keys.length; index += 1) {
    assert.ok(keys[index - 1]! < keys[index]!, `keys out of order or repeated: "${keys[index - 1]!}" then "${keys[index]!}"`);
  }
}

/** Keyset pagination: order, prefixes, cursors and stability under concurrent writes. */
export function registerListing({ describe, it, options }: RecordSuite): void {
  describe('listing', () => {
    it('an empty namespace lists no items and no cursor', async (store, namespace) => {
      const page = await store.list({ namespace });
      assert.deepEqual(page.items, []);
      assert.equal(page.cursor, undefined);
    });

    it('list returns every record once, in key order, across pages', async (store, namespace) => {
      const keys = Array.from({ length: 25 }, (_, i) => `item-${pad(i)}`);
      for (const key of [...keys].reverse()) await store.put({ namespace, key, value: { key } });
      const pages = await listAll(store, namespace, 7);
      const listed = pages.flat();
      assert.deepEqual(
        listed.map((entry) => entry.key),
        keys,
      );
      for (const entry of listed) {
        assert.deepEqual(entry.value, { key: entry.key });
        assert.equal(entry.version, 1);
      }
      assert.ok(pages.length >= 4, `25 records at limit 7 came in only ${String(pages.length)} page(s)`);
    });

    it('without a limit a page holds at most 100 records', async (store, namespace) => {
      for (let i = 0; i < 120; i += 1) await store.put({ namespace, key: `item-${pad(i)}`, value: i });
      const page = await store.list({ namespace });
      assert.ok(page.items.length > 0 && page.items.length <= 100, `default page held ${String(page.items.length)} records`);
      assert.notEqual(page.cursor, undefined, 'more records remain, so the page needs a cursor');
    });

    it('prefix restricts the listing to keys that start with it, literally', async (store, namespace) => {
      // `_` and `%` are LIKE wildcards: an adapter that does not escape them lists too much.
      const inside = ['p_1/a', 'p_1/b', 'p_1/c%d'];
      const outside = ['p_1', 'pa1/x', 'p_10', 'p%1/y', 'q_1/a', 'P_1/a'];
      for (const key of [...inside, ...outside]) await store.put({ namespace, key, value: key });
      const listed = (await listAll(store, namespace, 2, 'p_1/')).flat().map((entry) => entry.key);
      assert.deepEqual(listed, inside);
      const percent = (await listAll(store, namespace, 10, 'p%')).flat().map((entry) => entry.key);
      assert.deepEqual(percent, ['p%1/y']);
    });

    it('a cursor the store did not issue fails with INVALID_ARGUMENT', async (store, namespace) => {
      await store.put({ namespace, key: 'k', value: 1 });
      for (const cursor of ['!!not a cursor!!', '{"after":1}', '\u00ff\u00fe']) {
        await rejectsWith(store.list({ namespace, cursor }), 'INVALID_ARGUMENT', `list with cursor ${JSON.stringify(cursor)}`);
      }
    });

    it('deletes and inserts before the cursor between pages make later records neither skip nor repeat', async (store, namespace) => {
      const keys = Array.from({ length: 30 }, (_, i) => `k-${pad(i)}`);
      for (const key of keys) await store.put({ namespace, key, value: key });
      const seen: string[] = [];
      let cursor: string | undefined;
      let pageNo = 0;
      do {
        const page = await store.list({ namespace, limit: 4, ...(cursor === undefined ? {} : { cursor }) });
        seen.push(...page.items.map((entry) => entry.key));
        cursor = page.cursor;
        pageNo += 1;
        // Only the part already listed changes: one record fewer (odd pages) or two more (even pages).
        if (pageNo % 2 === 1) await store.delete({ namespace, key: seen[seen.length - 2]! });
        else for (const tag of ['a', 'b']) await store.put({ namespace, key: `${seen[0]!}-${tag}${String(pageNo)}`, value: 'early' });
      } while (cursor !== undefined && pageNo < 1_000);
      const missing = keys.filter((key) => !seen.includes(key));
      assert.deepEqual(missing, [], `records after the cursor were skipped: ${missing.join(', ')}`);
      assert.deepEqual(seen, keys, 'records were repeated or listed out of order');
    });

    it('records present throughout a listing appear exactly once under concurrent inserts and deletes', async (store, namespace) => {
      const stable = Array.from({ length: options.listingSize }, (_, i) => `k-${pad(i)}`);
      // Churn keys sort between the stable ones ("k-0003" < "k-0003-c1" < "k-0004").
      const churn = (i: number, tag: string) => `k-${pad(i)}-${tag}`;
      for (const key of stable) await store.put({ namespace, key, value: 'stable' });
      for (let i = 0; i < options.listingSize; i += 1) await store.put({ namespace, key: churn(i, 'c0'), value: 'churn' });

      const seen: string[] = [];
      let cursor: string | undefined;
      let pageNo = 0;
      let stop = false;
      let background = 0;
      // A writer racing the listing, inserting and deleting churn keys everywhere.
      const racer = (async () => {
        while (!stop) {
          const i = background % options.listingSize;
          await store.put({ namespace, key: churn(i, `r${String(background)}`), value: 'racer' });
          await store.delete({ namespace, key: churn((i * 7) % options.listingSize, 'c0') });
          background += 1;
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      try {
        do {
          const page = await store.list({ namespace, limit: 10, ...(cursor === undefined ? {} : { cursor }) });
          seen.push(...page.items.map((entry) => entry.key));
          cursor = page.cursor;
          pageNo += 1;
          const last = seen.at(-1);
          if (last === undefined) continue;
          const lastIndex = Number(last.slice(2, 6));
          // Between pages, deterministically change the part already listed: an offset-based
          // paginator skips an item after deletes before its position and repeats one after inserts.
          if (pageNo % 2 === 1) {
            for (let i = Math.max(0, lastIndex - 3); i < lastIndex; i += 1) await store.delete({ namespace, key: churn(i, 'c0') });
          } else {
            for (let i = Math.max(0, lastIndex - 3); i < lastIndex; i += 1) {
              await store.put({ namespace, key: churn(i, `p${String(pageNo)}a`), value: 'inserted' });
              await store.put({ namespace, key: churn(i, `p${String(pageNo)}b`), value: 'inserted' });
            }
          }
        } while (cursor !== undefined && pageNo < 10_000);
      } finally {
        stop = true;
        await racer;
      }
      assertAscending(seen);
      const seenStable = seen.filter((key) => key.length === 6);
      const missing = stable.filter((key) => !seenStable.includes(key));
      assert.deepEqual(missing, [], `records present throughout the listing were skipped: ${missing.slice(0, 5).join(', ')}`);
      assert.equal(seenStable.length, stable.length, 'records present throughout the listing were repeated');
    });
  });
}
