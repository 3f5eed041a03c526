import { Readable } from 'node:stream';
import { CHECKSUM_METADATA_KEY, createStorageClient, isStorageError } from '@sanctum/storage-core';
import type { BlobPutRequest } from '@sanctum/storage-core/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Blobs, type S3BlobStore } from '../../src/index.js';
import { dataChunks, dataSha256, streamSha256 } from '../fixtures/data.js';
import { RUN_ID, connection, createStore, dropBucket, incompleteUploads, makeBucket, rawClient } from './support.js';

const MIB = 1024 * 1024;
const bucket = `${RUN_ID}-multipart`;
let store: S3BlobStore;

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (isStorageError(error) ? error.code : error),
  );
}

async function stagingKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const item of rawClient().listObjectsV2(bucket, 'm/.sanctum-staging/', true)) if (item.name) keys.push(item.name);
  return keys;
}

function put(request: Omit<BlobPutRequest, 'namespace'>) {
  return store.put({ namespace: 'ns', ...request });
}

beforeAll(async () => {
  await makeBucket(bucket);
  store = createStore({ bucket, prefix: 'm/', partSize: '5MiB', parallelParts: 2, multipartThreshold: '1MiB' });
  await store.open?.();
});

afterAll(async () => {
  await store.close?.();
  await dropBucket(bucket);
});

describe('multipart uploads', () => {
  it('an abort signal mid-upload fails the put and leaves no incomplete upload or staging object', async () => {
    const controller = new AbortController();
    const writing = codeOf(put({ key: 'aborted', body: Readable.from(dataChunks('abort', 40 * MIB)), trailingMetadata: () => ({}), signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    expect(await writing).toBe('UNAVAILABLE');
    expect(await incompleteUploads(bucket)).toEqual([]);
    expect(await stagingKeys()).toEqual([]);
    expect(await store.head({ namespace: 'ns', key: 'aborted' })).toBeUndefined();
  });

  it('a timeout signal fails with TIMEOUT, also while the body stalls', async () => {
    async function* stalls() {
      yield* dataChunks('stall', 6 * MIB);
      await new Promise(() => undefined);
    }
    expect(await codeOf(put({ key: 'stalled', body: Readable.from(stalls()), signal: AbortSignal.timeout(300) }))).toBe('TIMEOUT');
    expect(await codeOf(put({ key: 'late', body: Buffer.from('x'), signal: AbortSignal.abort() }))).toBe('UNAVAILABLE');
    expect(await incompleteUploads(bucket)).toEqual([]);
  });

  it('a body stream that fails mid-way fails the put with INVALID_ARGUMENT and aborts the upload', async () => {
    async function* breaks() {
      yield* dataChunks('break', 11 * MIB);
      throw new Error('disk read error');
    }
    expect(await codeOf(put({ key: 'broken', body: Readable.from(breaks()) }))).toBe('INVALID_ARGUMENT');
    expect(await incompleteUploads(bucket)).toEqual([]);
  });

  it('a contentLength that does not match the body is INVALID_ARGUMENT and nothing is written', async () => {
    expect(await codeOf(put({ key: 'short', body: Readable.from(dataChunks('len', 7 * MIB)), contentLength: 8 * MIB }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(put({ key: 'short', body: Buffer.alloc(10), contentLength: 11 }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(put({ key: 'short', body: Readable.from([Buffer.alloc(10)]), contentLength: 11 }))).toBe('INVALID_ARGUMENT');
    expect(await store.head({ namespace: 'ns', key: 'short' })).toBeUndefined();
    expect(await incompleteUploads(bucket)).toEqual([]);
  });

  it('bodies above the threshold go in parts (Uint8Array too), below it in one PUT; ETags match head', async () => {
    const pieces: Buffer[] = [];
    for await (const piece of dataChunks('u8', 12 * MIB)) pieces.push(piece);
    const big = Buffer.concat(pieces);
    const written = await put({ key: 'u8', body: new Uint8Array(big), trailingMetadata: () => ({ late: 'yes' }), metadata: { Early: 'yes' } });
    expect(written.etag).toMatch(/-3$/);
    const head = await store.head({ namespace: 'ns', key: 'u8' });
    expect(head?.etag).toBe(written.etag);
    expect(head?.metadata).toMatchObject({ late: 'yes', early: 'yes' });
    const small = await put({ key: 'small', body: Readable.from(['a', 'b', 'c']), trailingMetadata: () => ({ late: 'small' }) });
    expect(small.etag).toMatch(/^[0-9a-f]{32}$/);
    expect((await store.head({ namespace: 'ns', key: 'small' }))?.metadata['late']).toBe('small');
    const exact = await put({ key: 'exact', body: Readable.from(dataChunks('exact', 5 * MIB)) });
    expect(exact.etag).toMatch(/-1$/);
  });

  it('objects above the single-copy limit are published with a multipart copy (UploadPartCopy)', async () => {
    const storage = createStorageClient(
      {
        schemaVersion: 1,
        adapters: { s3: { use: 's3', options: { ...connection, bucket, prefix: 'm/', partSize: '5MiB', multipartThreshold: '1MiB' } } },
        namespaces: { ns: { kind: 'blob', adapter: 's3' } },
      },
      { adapters: [s3Blobs({ maxSingleCopyBytes: 6 * MIB })] },
    );
    try {
      const size = 13 * MIB + 5;
      const written = await storage.blobs('ns').put('copied.bin', Readable.from(dataChunks('copy', size)), { contentType: 'application/x-test' });
      const head = await storage.blobs('ns').head('copied.bin');
      expect(head.etag).toBe(written.etag);
      expect(head.contentType).toBe('application/x-test');
      expect(head.metadata[CHECKSUM_METADATA_KEY]).toBe(await dataSha256('copy', size));
      expect((await streamSha256((await storage.blobs('ns').get('copied.bin')).body)).bytes).toBe(size);
      expect(await incompleteUploads(bucket)).toEqual([]);
      expect(await stagingKeys()).toEqual([]);
    } finally {
      await storage.close();
    }
  });

  it('a declared length needing more than 10,000 parts is PAYLOAD_TOO_LARGE before anything is sent', async () => {
    expect(await codeOf(put({ key: 'huge', body: Readable.from([Buffer.alloc(1)]), contentLength: 10_000 * 5 * MIB + 1 }))).toBe('PAYLOAD_TOO_LARGE');
    expect(await incompleteUploads(bucket)).toEqual([]);
  });
});

describe('keys and metadata', () => {
  it('keys with spaces, unicode and reserved URL characters round-trip and list correctly', async () => {
    const keys = ['dir with space/a+b=c&d.txt', 'ümlaut/ß/東京.bin', 'percent%20literal', 'q?x#y'];
    for (const key of keys) await put({ key, body: Buffer.from(key) });
    for (const key of keys) {
      const object = await store.get({ namespace: 'ns', key });
      expect((await streamSha256(object!.body)).bytes).toBe(Buffer.byteLength(key));
      expect(object?.meta.key).toBe(key);
    }
    const listed = await store.list({ namespace: 'ns', limit: 1000 });
    for (const key of keys) expect(listed.items.map((item) => item.key)).toContain(key);
  });

  it('metadata values outside printable ASCII round-trip (RFC 2047 encoded on the wire)', async () => {
    const metadata = { title: 'Grüße aus 東京', padded: '  spaced  ', plain: 'ascii', tricky: '=?UTF-8?B?not-really?=' };
    await put({ key: 'meta', body: Buffer.from('m'), metadata });
    expect((await store.head({ namespace: 'ns', key: 'meta' }))?.metadata).toMatchObject(metadata);
  });
});

describe('store-level connection options', () => {
  it('creates the shared bucket on open when autoCreateBucket is set', async () => {
    const name = `${RUN_ID}-auto`;
    const auto = createStore({ bucket: name, autoCreateBucket: true });
    try {
      await auto.open?.();
      await auto.open?.();
      expect(await rawClient().bucketExists(name)).toBe(true);
      expect((await auto.health?.())?.ok).toBe(true);
    } finally {
      await auto.close?.();
      await dropBucket(name);
    }
  });

  it('signs payloads with SHA-256 when asked (plain HTTP), and the server still checks them', async () => {
    const signing = createStore({ bucket, prefix: 'm/', signPayload: true, partSize: '5MiB', multipartThreshold: '1MiB' });
    const written = await signing.put({ namespace: 'signed', key: 'k', body: Readable.from(dataChunks('signed', 6 * MIB)) });
    expect((await signing.head({ namespace: 'signed', key: 'k' }))?.etag).toBe(written.etag);
    await signing.close?.();
  });

  it('a bucket-per-namespace store reports health from the bucket listing', async () => {
    const perNamespace = createStore({ bucketPerNamespace: true, prefix: `${RUN_ID}-h-` });
    expect(await perNamespace.health?.()).toMatchObject({ ok: true, details: { endPoint: connection.endPoint } });
    await perNamespace.close?.();
  });

  it('a signal that fires right after the call still aborts before anything is uploaded', async () => {
    const controller = new AbortController();
    const writing = codeOf(put({ key: 'instant', body: Readable.from(dataChunks('instant', 6 * MIB)), signal: controller.signal }));
    controller.abort();
    expect(await writing).toBe('UNAVAILABLE');
    expect(await incompleteUploads(bucket)).toEqual([]);
  });

  it('accepts the documented option forms', () => {
    const parsed = s3Blobs().optionsSchema['~standard'].validate({ ...connection, bucket, partSize: '8 MiB', multipartThreshold: 1024 });
    expect(parsed).toMatchObject({ value: { partSize: 8 * MIB, multipartThreshold: 1024, parallelParts: 2 } });
  });
});
