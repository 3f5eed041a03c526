import { strict as assert } from 'node:assert';
import type { BlobStore } from '@sanctum/storage-core/spi';
import { generateBytes, readAll, sha256, streamOf } from '../support/bytes.js';
import type { BlobSuite } from './blob-contract.js';

async function getBytes(store: BlobStore, namespace: string, key: string): Promise<Buffer | undefined> {
  const object = await store.get({ namespace, key });
  return object === undefined ? undefined : readAll(object.body);
}

/** Round trips, head, delete, metadata and trailing metadata. */
export function registerBasics({ describe, it, options }: BlobSuite): void {
  describe('basics', () => {
    it('declares exactly the capabilities the suite was given', async (store) => {
      assert.equal(store.kind, 'blob');
      assert.ok(typeof store.name === 'string' && store.name.length > 0, 'name must be a non-empty string');
      const { conditionalWrite, conditionalRead, rangeRead, delimiter, presign, acl } = store.capabilities;
      assert.deepEqual({ conditionalWrite, conditionalRead, rangeRead, delimiter, presign, acl }, options.capabilities);
    });

    it('head and get of an absent key return undefined and delete returns false', async (store, namespace) => {
      assert.equal(await store.head({ namespace, key: 'absent' }), undefined);
      assert.equal(await store.get({ namespace, key: 'absent' }), undefined);
      assert.equal(await store.delete({ namespace, key: 'absent' }), false);
    });

    it('a streamed multi-MiB body round-trips byte for byte', async (store, namespace) => {
      const bytes = generateBytes(options.largeObjectBytes, 7);
      const started = Date.now();
      const written = await store.put({ namespace, key: 'big/object.bin', body: streamOf(bytes), contentType: 'application/octet-stream' });
      assert.equal(written.size, bytes.byteLength);
      assert.ok(typeof written.etag === 'string' && written.etag.length > 0, 'etag must be a non-empty string');
      assert.ok(typeof written.version === 'string' && written.version.length > 0, 'version must be a non-empty string');
      const object = await store.get({ namespace, key: 'big/object.bin' });
      assert.ok(object, 'the object must exist after put');
      assert.equal(object.range, undefined, 'a full read reports no range');
      const read = await readAll(object.body);
      assert.equal(read.byteLength, bytes.byteLength);
      assert.equal(sha256(read), sha256(bytes), 'the bytes read differ from the bytes written');
      const head = await store.head({ namespace, key: 'big/object.bin' });
      assert.ok(head, 'head must find the object');
      assert.equal(head.key, 'big/object.bin');
      assert.equal(head.size, bytes.byteLength);
      assert.equal(head.etag, written.etag);
      assert.equal(head.version, written.version);
      assert.equal(head.contentType, 'application/octet-stream');
      assert.ok(head.lastModified instanceof Date, 'lastModified must be a Date');
      assert.ok(Math.abs(head.lastModified.getTime() - started) < 5 * 60_000, 'lastModified is far from now');
      assert.deepEqual({ ...object.meta, lastModified: 0 }, { ...head, lastModified: 0 }, 'get and head disagree on the metadata');
    });

    it('Uint8Array and empty bodies round-trip', async (store, namespace) => {
      const bytes = generateBytes(1000, 3);
      await store.put({ namespace, key: 'bytes', body: new Uint8Array(bytes) });
      assert.deepEqual(await getBytes(store, namespace, 'bytes'), bytes);
      const empty = await store.put({ namespace, key: 'empty', body: new Uint8Array(0) });
      assert.equal(empty.size, 0);
      assert.equal((await getBytes(store, namespace, 'empty'))?.byteLength, 0);
      assert.equal((await store.head({ namespace, key: 'empty' }))?.size, 0);
      await store.put({ namespace, key: 'empty-stream', body: streamOf(new Uint8Array(0)) });
      assert.equal((await store.head({ namespace, key: 'empty-stream' }))?.size, 0);
    });

    it('an overwrite gets a new etag and version and serves the new content', async (store, namespace) => {
      const first = await store.put({ namespace, key: 'k', body: generateBytes(100, 1) });
      const second = await store.put({ namespace, key: 'k', body: generateBytes(120, 2) });
      assert.notEqual(second.etag, first.etag);
      assert.notEqual(second.version, first.version);
      assert.deepEqual(await getBytes(store, namespace, 'k'), generateBytes(120, 2));
      const head = await store.head({ namespace, key: 'k' });
      assert.equal(head?.etag, second.etag);
      assert.equal(head?.size, 120);
    });

    if (options.etagsIdentifyContent) {
      it('etags identify content: identical bytes keep the etag, other bytes change it', async (store, namespace) => {
        const bytes = generateBytes(64, 9);
        const first = await store.put({ namespace, key: 'k', body: bytes });
        const same = await store.put({ namespace, key: 'k', body: bytes });
        const other = await store.put({ namespace, key: 'k', body: generateBytes(64, 10) });
        assert.equal(same.etag, first.etag, 'the backend declared content-hash etags, but identical bytes got a new etag');
        assert.notEqual(other.etag, first.etag, 'different content kept the etag');
      });
    } else {
      it('the same bytes written twice still get different etags', async (store, namespace) => {
        const bytes = generateBytes(64, 9);
        const first = await store.put({ namespace, key: 'k', body: bytes });
        await store.delete({ namespace, key: 'k' });
        const second = await store.put({ namespace, key: 'k', body: bytes });
        const third = await store.put({ namespace, key: 'k', body: bytes });
        assert.equal(new Set([first.etag, second.etag, third.etag]).size, 3, 'an etag was reused for a later write of the same bytes');
      });
    }

    it('delete removes the object', async (store, namespace) => {
      await store.put({ namespace, key: 'k', body: generateBytes(10, 1) });
      assert.equal(await store.delete({ namespace, key: 'k' }), true);
      assert.equal(await store.head({ namespace, key: 'k' }), undefined);
      assert.equal(await store.get({ namespace, key: 'k' }), undefined);
      assert.deepEqual((await store.list({ namespace })).items, []);
      assert.equal(await store.delete({ namespace, key: 'k' }), false);
    });

    it('content type and metadata round-trip, with metadata keys lower-cased', async (store, namespace) => {
      await store.put({
        namespace,
        key: 'doc.json',
        body: Buffer.from('{}'),
        contentType: 'application/json',
        metadata: { owner: 'ada', 'X-Trace-Id': 'abc-123', spaced: 'a value with spaces' },
      });
      const head = await store.head({ namespace, key: 'doc.json' });
      assert.equal(head?.contentType, 'application/json');
      assert.equal(head?.metadata['owner'], 'ada');
      assert.equal(head?.metadata['x-trace-id'], 'abc-123');
      assert.equal(head?.metadata['spaced'], 'a value with spaces');
      assert.equal(head?.metadata['X-Trace-Id'], undefined, 'metadata keys must be lower-case');
      const object = await store.get({ namespace, key: 'doc.json' });
      object?.body.resume();
      assert.deepEqual(object?.meta.metadata, head?.metadata);
    });

    it('trailing metadata is taken after the body was read to its end and stored with the object', async (store, namespace) => {
      const bytes = generateBytes(300_000, 5);
      let exhausted = false;
      let askedAfterEnd: boolean | undefined;
      const body = streamOf(bytes);
      body.once('end', () => {
        exhausted = true;
      });
      await store.put({
        namespace,
        key: 'trailed',
        body,
        metadata: { given: 'up-front' },
        trailingMetadata: () => {
          askedAfterEnd = exhausted || body.readableEnded;
          return { 'X-Digest': sha256(bytes), late: 'yes' };
        },
      });
      assert.equal(askedAfterEnd, true, 'trailingMetadata must be called once, after the whole body was consumed');
      const head = await store.head({ namespace, key: 'trailed' });
      assert.equal(head?.metadata['given'], 'up-front');
      assert.equal(head?.metadata['x-digest'], sha256(bytes), 'trailing metadata was not stored');
      assert.equal(head?.metadata['late'], 'yes', 'trailing metadata was not stored');
    });
  });
}
