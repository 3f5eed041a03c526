import { strict as assert } from 'node:assert';
import type { BlobListPage, BlobStore } from '@sanctum/storage-core/spi';
import { rejectsWith } from '../support/assert-error.js';
import type { BlobSuite } from './blob-contract.js';

const pad = (n: number) => String(n).padStart(4, '0');
const tiny = (text: string) => Buffer.from(text);

async function listAll(
  store: BlobStore,
  request: { namespace: string; prefix?: string; delimiter?: string; limit: number },
): Promise<{ keys: string[]; prefixes: string[]; pages: number }> {
  const keys: string[] = [];
  const prefixes: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page: BlobListPage = await store.list({ ...request, ...(cursor === undefined ? {} : { cursor }) });
    assert.ok(page.items.length + page.prefixes.length <= request.limit, 'a page holds more entries than the limit');
    keys.push(...page.items.map((item) => item.key));
    prefixes.push(...page.prefixes);
    cursor = page.cursor;
    pages += 1;
    assert.ok(pages < 10_000, 'the listing never ends');
  } while (cursor !== undefined);
  return { keys, prefixes, pages };
}

function assertAscending(keys: readonly string[]): void {
  for (let index = 1; index < keys.length; index += 1) {
    assert.ok(keys[index - 1]! < keys[index]!, `keys out of order or repeated: "${keys[index - 1]!}" then "${keys[index]!}"`);
  }
}

/** Keyset listings, prefixes, delimiters and stability under concurrent writes. */
export function registerListing({ describe, it, options }: BlobSuite): void {
  describe('listing', () => {
    it('list returns every object once, in key order, filtered by prefix', async (store, namespace) => {
      const inside = Array.from({ length: 12 }, (_, i) => `photos/${pad(i)}.jpg`);
      const outside = ['photos', 'photo/x.jpg', 'photosynthesis.txt', 'videos/a.mp4'];
      for (const key of [...inside, ...outside].reverse()) await store.put({ namespace, key, body: tiny(key) });
      const listed = await listAll(store, { namespace, prefix: 'photos/', limit: 5 });
      assert.deepEqual(listed.keys, inside);
      assert.ok(listed.pages >= 3, `12 objects at limit 5 came in ${String(listed.pages)} page(s)`);
      const all = await listAll(store, { namespace, limit: 1000 });
      assert.deepEqual(all.keys, [...inside, ...outside].sort());
      const page = await store.list({ namespace, prefix: 'photos/', limit: 1 });
      assert.equal(page.items[0]?.size, tiny(inside[0]!).byteLength, 'listed objects carry their size');
      assert.equal(typeof page.items[0]?.etag, 'string');
    });

    it('an empty namespace lists nothing, without a cursor', async (store, namespace) => {
      const page = await store.list({ namespace });
      assert.deepEqual(page.items, []);
      assert.deepEqual(page.prefixes, []);
      assert.equal(page.cursor, undefined);
    });

    it('a cursor the store did not issue fails with INVALID_ARGUMENT', async (store, namespace) => {
      await store.put({ namespace, key: 'k', body: tiny('k') });
      for (const cursor of ['!!not a cursor!!', '\u00ff\u00fe']) {
        await rejectsWith(store.list({ namespace, cursor }), 'INVALID_ARGUMENT', `list with cursor ${JSON.stringify(cursor)}`);
      }
    });

    it('objects present throughout a listing appear exactly once under concurrent writes', async (store, namespace) => {
      const stable = Array.from({ length: options.listingSize }, (_, i) => `k-${pad(i)}`);
      for (const key of stable) await store.put({ namespace, key, body: tiny(key) });
      const seen: string[] = [];
      let cursor: string | undefined;
      let pageNo = 0;
      do {
        const page = await store.list({ namespace, limit: 7, ...(cursor === undefined ? {} : { cursor }) });
        seen.push(...page.items.map((item) => item.key));
        cursor = page.cursor;
        pageNo += 1;
        const last = seen.at(-1);
        if (last === undefined) continue;
        const lastIndex = Number(last.slice(2, 6));
        // Insert before the position and delete what was inserted earlier: offsets would shift.
        await Promise.all([
          store.put({ namespace, key: `k-${pad(Math.max(0, lastIndex - 1))}-new${String(pageNo)}`, body: tiny('x') }),
          store.put({ namespace, key: `k-${pad(Math.max(0, lastIndex - 2))}-new${String(pageNo)}`, body: tiny('x') }),
          pageNo > 2 ? store.delete({ namespace, key: `k-${pad(Math.max(0, lastIndex - 1))}-new${String(pageNo - 2)}` }) : Promise.resolve(true),
        ]);
      } while (cursor !== undefined && pageNo < 10_000);
      assertAscending(seen);
      const seenStable = seen.filter((key) => key.length === 6);
      assert.deepEqual(seenStable, stable, 'objects present throughout the listing were skipped or repeated');
    });

    if (!options.capabilities.delimiter) {
      it('delimiter undeclared: a listing with a delimiter fails with UNSUPPORTED', async (store, namespace) => {
        await store.put({ namespace, key: 'a/b', body: tiny('x') });
        await rejectsWith(store.list({ namespace, delimiter: '/' }), 'UNSUPPORTED', 'list with a delimiter');
      });
      return;
    }

    it('a delimiter groups deeper keys into common prefixes, paginated with the objects', async (store, namespace) => {
      const keys = ['a.txt', 'docs/x.md', 'docs/y/z.md', 'img/1.png', 'img/2.png', 'm.txt', 'z/deep/er.txt', 'docs'];
      for (const key of keys) await store.put({ namespace, key, body: tiny(key) });
      const top = await listAll(store, { namespace, delimiter: '/', limit: 2 });
      assert.deepEqual(top.keys, ['a.txt', 'docs', 'm.txt']);
      assert.deepEqual(top.prefixes, ['docs/', 'img/', 'z/']);
      const docs = await listAll(store, { namespace, prefix: 'docs/', delimiter: '/', limit: 1 });
      assert.deepEqual(docs.keys, ['docs/x.md']);
      assert.deepEqual(docs.prefixes, ['docs/y/']);
    });
  });
}
