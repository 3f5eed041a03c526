import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobListRequest } from '@sanctum/storage-core/spi';
import { encodeCursor } from '../../../src/list.js';
import { STAGING_DIR } from '../../../src/layout.js';
import { RUN_ID, createStore, dropBucket, failure, makeBucket, rawClient } from '../support.js';

// Pins the S3 adapter's listing pages against the rig's Ceph RGW: what a page holds (keys without the
// namespace's prefix, sizes, ETags as versions, no metadata), how prefixes, delimiters and limits
// shape it, when it carries a cursor, which cursors are refused, and that the staging area of a
// bucket of its own never shows.

const bucket = `${RUN_ID}-mpage`;
const ownPrefix = `${RUN_ID}-mp-`;
const ownBucket = `${ownPrefix}ns`;
const numericBucket = `${ownPrefix}num`;

beforeAll(async () => {
  await makeBucket(bucket);
  await makeBucket(ownBucket);
  await makeBucket(numericBucket);
});
afterAll(async () => {
  await dropBucket(bucket);
  await dropBucket(ownBucket);
  await dropBucket(numericBucket);
});

async function pages(store: ReturnType<typeof createStore>, request: BlobListRequest): Promise<Array<{ items: string[]; prefixes: string[]; cursor: boolean }>> {
  const out: Array<{ items: string[]; prefixes: string[]; cursor: boolean }> = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ ...request, ...(cursor === undefined ? {} : { cursor }) });
    out.push({ items: page.items.map((item) => item.key), prefixes: [...page.prefixes], cursor: page.cursor !== undefined });
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

describe('listing a shared bucket', () => {
  it('pages hold keys without the namespace prefix, with size, ETag as version and no metadata; the last page has no cursor', async () => {
    const store = createStore({ bucket, prefix: 'p/' });
    try {
      const written = new Map<string, string>();
      for (const key of ['a/1', 'a/2', 'b', 'c']) written.set(key, (await store.put({ namespace: 'ns', key, body: Buffer.from(`body of ${key}`), metadata: { m: 'x' } })).etag);
      await store.put({ namespace: 'other', key: 'a/3', body: Buffer.from('elsewhere') });
      const first = await store.list({ namespace: 'ns', limit: 2 });
      expect(first.items.map((item) => item.key)).toEqual(['a/1', 'a/2']);
      expect(first.items[0]).toMatchObject({ key: 'a/1', size: Buffer.byteLength('body of a/1'), etag: written.get('a/1'), version: written.get('a/1'), metadata: {} });
      expect(first.items[0]!.lastModified).toBeInstanceOf(Date);
      expect(first.prefixes).toEqual([]);
      expect(first.cursor).toEqual(expect.any(String));
      expect(await pages(store, { namespace: 'ns', limit: 2 })).toEqual([
        { items: ['a/1', 'a/2'], prefixes: [], cursor: true },
        { items: ['b', 'c'], prefixes: [], cursor: false },
      ]);
      // A page that holds the rest exactly has no cursor.
      expect(await pages(store, { namespace: 'ns', limit: 4 })).toEqual([{ items: ['a/1', 'a/2', 'b', 'c'], prefixes: [], cursor: false }]);
      expect(await pages(store, { namespace: 'ns', prefix: 'a/', limit: 1 })).toEqual([
        { items: ['a/1'], prefixes: [], cursor: true },
        { items: ['a/2'], prefixes: [], cursor: false },
      ]);
      // With a delimiter, common prefixes come back without the namespace prefix and count towards the limit.
      expect(await pages(store, { namespace: 'ns', delimiter: '/', limit: 2 })).toEqual([
        { items: ['b'], prefixes: ['a/'], cursor: true },
        { items: ['c'], prefixes: [], cursor: false },
      ]);
    } finally {
      await store.close?.();
    }
  });

  it('a cursor this store did not issue, or of another listing, is INVALID_ARGUMENT', async () => {
    const store = createStore({ bucket, prefix: 'q/' });
    try {
      for (const key of ['x1', 'x2']) await store.put({ namespace: 'ns', key, body: Buffer.from(key) });
      const { cursor } = await store.list({ namespace: 'ns', limit: 1 });
      const refusals = [
        encodeCursor({ namespace: 'ns' }, ''),
        'not-a-cursor',
      ];
      for (const bad of refusals) {
        const error = await failure(store.list({ namespace: 'ns', limit: 1, cursor: bad }));
        expect(error.code).toBe('INVALID_ARGUMENT');
      }
      const empty = await failure(store.list({ namespace: 'ns', limit: 1, cursor: encodeCursor({ namespace: 'ns' }, '') }));
      expect(empty.message).toContain('cursor is not one this store issued');
      expect(empty.details).toMatchObject({ field: 'cursor' });
      expect((await failure(store.list({ namespace: 'ns', prefix: 'x', limit: 1, cursor: cursor! }))).code).toBe('INVALID_ARGUMENT');
      expect((await failure(store.list({ namespace: 'other', limit: 1, cursor: cursor! }))).code).toBe('INVALID_ARGUMENT');
      expect((await store.list({ namespace: 'ns', limit: 1, cursor: cursor! })).items.map((item) => item.key)).toEqual(['x2']);
      expect(empty).toMatchObject({ operation: 'blobs.list', namespace: 'ns', adapter: 's3' });
    } finally {
      await store.close?.();
    }
  });

  it('refuses a prefix longer than an S3 key and a signal that already fired, naming the operation', async () => {
    const store = createStore({ bucket, prefix: 'r/' });
    try {
      const long = await failure(store.list({ namespace: 'ns', prefix: 'k'.repeat(1025) }));
      expect(long.code).toBe('INVALID_ARGUMENT');
      expect(long).toMatchObject({ operation: 'blobs.list', namespace: 'ns' });
      expect((await store.list({ namespace: 'ns', prefix: 'k'.repeat(1024) })).items).toEqual([]);
      const aborted = await failure(store.list({ namespace: 'ns', signal: AbortSignal.abort() }));
      expect(aborted).toMatchObject({ operation: 'blobs.list', namespace: 'ns' });
    } finally {
      await store.close?.();
    }
  });
});

describe('listing a bucket of its own', () => {
  it('never shows the staging area, neither as objects nor as a common prefix', async () => {
    const store = createStore({ bucketPerNamespace: true, prefix: ownPrefix });
    try {
      // Keys before and after "S" in byte order: a listing that started after some key would lose some.
      await store.put({ namespace: 'ns', key: 'B', body: Buffer.from('B') });
      await store.put({ namespace: 'ns', key: 'a', body: Buffer.from('a') });
      await store.put({ namespace: 'ns', key: 'dir/b', body: Buffer.from('b') });
      await rawClient().putObject(ownBucket, `${STAGING_DIR}leftover`, Buffer.from('staged'));
      expect(await pages(store, { namespace: 'ns', limit: 10 })).toEqual([{ items: ['B', 'a', 'dir/b'], prefixes: [], cursor: false }]);
      expect(await pages(store, { namespace: 'ns', delimiter: '/', limit: 10 })).toEqual([{ items: ['B', 'a'], prefixes: ['dir/'], cursor: false }]);
      // The hidden staging object still takes its place in S3's page: the first page comes back empty,
      // with a cursor.
      expect(await pages(store, { namespace: 'ns', limit: 1 })).toEqual([
        { items: [], prefixes: [], cursor: true },
        { items: ['B'], prefixes: [], cursor: true },
        { items: ['a'], prefixes: [], cursor: true },
        { items: ['dir/b'], prefixes: [], cursor: false },
      ]);
      const page = await store.list({ namespace: 'ns', limit: 10 });
      expect(page.items[1]).toMatchObject({ key: 'a', size: 1 });
    } finally {
      await store.close?.();
    }
  });

  it('lists keys exactly as written: number-like keys, spaces, plus signs and percent signs are not rewritten', async () => {
    const store = createStore({ bucketPerNamespace: true, prefix: ownPrefix });
    const keys = ['0', '-0', '007', '0x10', '1.50', '1e3', ' 5 ', 'a+b c', 'x%20y', 'true', "it's (1)!"];
    try {
      for (const key of keys) await store.put({ namespace: 'num', key, body: Buffer.from(key) });
      const listed = (await pages(store, { namespace: 'num', limit: 4 })).flatMap((page) => page.items);
      expect(listed).toEqual([...keys].sort());
      for (const key of listed) expect((await store.head({ namespace: 'num', key }))?.size).toBe(Buffer.byteLength(key));
    } finally {
      // Deleted here: the raw minio client's own listing (used to drop test buckets) garbles these keys.
      for (const key of keys) await store.delete({ namespace: 'num', key });
      await store.close?.();
    }
  });
});
