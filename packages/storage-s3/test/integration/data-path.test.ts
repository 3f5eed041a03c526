import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CHECKSUM_METADATA_KEY, createStorageClient, isStorageError } from '@sanctum/storage-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3, type S3BlobStore } from '../../src/index.js';
import { singlePutSlack } from '../../src/put.js';
import { dataChunks, dataSha256, streamSha256 } from '../fixtures/data.js';
import { RUN_ID, connection, createStore, dropBucket, incompleteUploads, makeBucket, rawClient } from './support.js';

const MIB = 1024 * 1024;
const bucket = `${RUN_ID}-datapath`;
let store: S3BlobStore;

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (isStorageError(error) ? error.code : error),
  );
}

async function md5Of(seed: string, bytes: number): Promise<string> {
  const md5 = createHash('md5');
  for await (const chunk of dataChunks(seed, bytes)) md5.update(chunk);
  return md5.digest('hex');
}

beforeAll(async () => {
  await makeBucket(bucket);
  // Default threshold: 2 parts of 5 MiB held for one PUT.
  store = createStore({ bucket, prefix: 'd/', partSize: '5MiB', parallelParts: 4 });
  await store.open?.();
});

afterAll(async () => {
  await store.close?.();
  await dropBucket(bucket);
});

/** Streams `size` bytes of key-seeded data to `key` with its SHA-256 as trailing metadata. */
async function putStreamed(key: string, size: number) {
  const sha256 = await dataSha256(key, size);
  const written = await store.put({
    namespace: 'ns',
    key,
    body: Readable.from(dataChunks(key, size)),
    trailingMetadata: () => ({ [CHECKSUM_METADATA_KEY]: sha256 }),
  });
  return { size, sha256, written };
}

describe('the single-PUT data path', () => {
  it('a streamed body spanning several part buffers but within the threshold goes up in one PUT with its checksum', async () => {
    const { size, sha256, written } = await putStreamed('held', 9 * MIB + 123);
    // One PUT: a plain MD5 ETag (a multipart object's would end in -<parts>), and no staging copy.
    expect(written.etag).toBe(await md5Of('held', size));
    const stat = await rawClient().statObject(bucket, 'd/ns/held');
    expect(stat.size).toBe(size);
    expect(stat.metaData[CHECKSUM_METADATA_KEY]).toBe(sha256);
    const object = await store.get({ namespace: 'ns', key: 'held' });
    expect(await streamSha256(object!.body)).toEqual({ sha256, bytes: size });
  });

  it('up to the threshold plus its slack a streamed body still goes in one PUT with its checksum (ADR-029)', async () => {
    const { size, sha256, written } = await putStreamed('slack', 10 * MIB + singlePutSlack(10 * MIB));
    expect(written.etag).not.toContain('-');
    expect((await store.head({ namespace: 'ns', key: 'slack' }))?.metadata[CHECKSUM_METADATA_KEY]).toBe(sha256);
    const object = await store.get({ namespace: 'ns', key: 'slack' });
    expect(await streamSha256(object!.body)).toEqual({ sha256, bytes: size });
  });

  it('one byte past the threshold and its slack goes in parts (staged, published with its checksum)', async () => {
    const { sha256, written } = await putStreamed('grown', 10 * MIB + singlePutSlack(10 * MIB) + 1);
    expect(written.etag).toMatch(/-3$/);
    expect((await store.head({ namespace: 'ns', key: 'grown' }))?.metadata[CHECKSUM_METADATA_KEY]).toBe(sha256);
  });

  it('through the facade, a 10 MiB body is verified on read, and a corrupted one fails with CHECKSUM_MISMATCH', async () => {
    const storage = createStorageClient(
      {
        schemaVersion: 1,
        adapters: { s3: { use: 's3', options: { ...connection, bucket, prefix: 'f/', partSize: '5MiB' } } },
        namespaces: { media: { kind: 'blob', adapter: 's3', checksum: 'sha256' } },
      },
      { adapters: [s3()] },
    );
    try {
      const size = 10 * MIB;
      await storage.blobs('media').put('v', Readable.from(dataChunks('verified', size)));
      const { body } = await storage.blobs('media').get('v');
      expect(await streamSha256(body)).toEqual({ sha256: await dataSha256('verified', size), bytes: size });
      // Flip one byte with the raw client, keeping the metadata (and so the stored checksum).
      const raw = rawClient();
      const chunks: Buffer[] = [];
      for await (const chunk of await raw.getObject(bucket, 'f/media/v')) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      bytes[size - 1]! ^= 0xff;
      const stat = await raw.statObject(bucket, 'f/media/v');
      await raw.putObject(bucket, 'f/media/v', bytes, size, { [`x-amz-meta-${CHECKSUM_METADATA_KEY}`]: String(stat.metaData[CHECKSUM_METADATA_KEY]) });
      const corrupted = await storage.blobs('media').get('v');
      expect(await codeOf(streamSha256(corrupted.body))).toBe('CHECKSUM_MISMATCH');
    } finally {
      await storage.close();
    }
  });
});

describe('conditional puts on Ceph RGW', () => {
  it('create-only holds for a streamed body held across part buffers; compare-and-swap is refused', async () => {
    const size = 8 * MIB;
    const created = await store.put({ namespace: 'ns', key: 'cond', body: Readable.from(dataChunks('c1', size)), ifNoneMatch: '*' });
    expect(created.etag).toBe(await md5Of('c1', size));
    expect(await codeOf(store.put({ namespace: 'ns', key: 'cond', body: Readable.from(dataChunks('c2', size)), ifNoneMatch: '*' }))).toBe('ALREADY_EXISTS');
    expect(await codeOf(store.put({ namespace: 'ns', key: 'cond', body: Readable.from(dataChunks('c3', size)), ifMatch: created.etag }))).toBe('UNSUPPORTED');
    expect((await store.head({ namespace: 'ns', key: 'cond' }))?.etag).toBe(created.etag);
  });

  it('a conditional streamed body larger than one PUT fails with UNSUPPORTED, writes nothing and leaves no upload', async () => {
    const outcome = await codeOf(store.put({ namespace: 'ns', key: 'too-big', body: Readable.from(dataChunks('big', 11 * MIB)), ifNoneMatch: '*' }));
    expect(outcome).toBe('UNSUPPORTED');
    expect(await store.head({ namespace: 'ns', key: 'too-big' })).toBeUndefined();
    expect(await incompleteUploads(bucket)).toEqual([]);
  });

  it('a conditional delete is refused (RGW would ignore If-Match and delete anyway)', async () => {
    const written = await store.put({ namespace: 'ns', key: 'keep', body: Buffer.from('x') });
    expect(await codeOf(store.delete({ namespace: 'ns', key: 'keep', ifMatch: written.etag }))).toBe('UNSUPPORTED');
    expect((await store.head({ namespace: 'ns', key: 'keep' }))?.etag).toBe(written.etag);
  });
});
