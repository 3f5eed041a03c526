import { Readable } from 'node:stream';
import { CHECKSUM_METADATA_KEY, createStorageClient, isStorageError, type StorageClient } from '@sanctum/storage-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Blobs } from '../../src/index.js';
import { dataChunks, dataSha256, streamSha256 } from '../fixtures/data.js';
import { RUN_ID, collectGarbage, connection, dropBucket, incompleteUploads, makeBucket, rawClient, service } from './support.js';

const MIB = 1024 * 1024;
const bucket = `${RUN_ID}-facade`;

function client(options: Record<string, unknown> = {}, namespaces: Record<string, Record<string, unknown>> = {}): StorageClient {
  return createStorageClient(
    {
      schemaVersion: 1,
      adapters: { s3: { use: 's3', options: { ...connection, bucket, prefix: 'app/', ...options } } },
      namespaces: {
        media: { kind: 'blob', adapter: 's3', checksum: 'sha256' },
        public: { kind: 'blob', adapter: 's3', acl: 'public-read' },
        ...namespaces,
      },
    },
    { adapters: [s3Blobs()] },
  );
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isStorageError(error) ? error.code : error).toBe(code);
}

async function stagingObjects(): Promise<string[]> {
  const keys: string[] = [];
  for await (const item of rawClient().listObjectsV2(bucket, 'app/.sanctum-staging/', true)) if (item.name) keys.push(item.name);
  return keys;
}

beforeAll(() => makeBucket(bucket));
afterAll(async () => {
  await dropBucket(bucket);
  await collectGarbage();
});

describe('through createStorageClient', () => {
  it('a 300 MiB body streamed from a generator goes up in parallel parts and reads back verified', async () => {
    const storage = client({ partSize: '16MiB', parallelParts: 4 });
    const size = 300 * MIB;
    try {
      const media = storage.blobs('media');
      const expected = await dataSha256('big-300', size);
      const written = await media.put('videos/big.bin', Readable.from(dataChunks('big-300', size)), { contentType: 'video/mp4' });
      expect(written.size).toBe(size);
      const head = await media.head('videos/big.bin');
      expect(head.metadata[CHECKSUM_METADATA_KEY]).toBe(expected);
      expect(head.etag).toBe(written.etag);
      expect(head.etag).toMatch(/-19$/);
      expect(head.contentType).toBe('video/mp4');
      const download = await media.get('videos/big.bin');
      expect(await streamSha256(download.body)).toEqual({ sha256: expected, bytes: size });
      expect(await incompleteUploads(bucket)).toEqual([]);
      expect(await stagingObjects()).toEqual([]);
      expect(await media.delete('videos/big.bin')).toBe(true);
    } finally {
      await storage.close();
      await collectGarbage();
    }
  }, 180_000);

  it('a multipart object corrupted on the server fails a full read with CHECKSUM_MISMATCH', async () => {
    const storage = client({ partSize: '5MiB', multipartThreshold: '1MiB' });
    try {
      const media = storage.blobs('media');
      await media.put('docs/report.bin', Readable.from(dataChunks('corrupt-me', 12 * MIB)));
      const raw = rawClient();
      const stat = await raw.statObject(bucket, 'app/media/docs/report.bin');
      const chunks: Buffer[] = [];
      for await (const piece of await raw.getObject(bucket, 'app/media/docs/report.bin')) chunks.push(piece as Buffer);
      const bytes = Buffer.concat(chunks);
      bytes[7 * MIB] = bytes[7 * MIB]! ^ 0xff;
      await raw.putObject(bucket, 'app/media/docs/report.bin', bytes, bytes.byteLength, {
        [`x-amz-meta-${CHECKSUM_METADATA_KEY}`]: String(stat.metaData[CHECKSUM_METADATA_KEY]),
      });
      await rejectsWithCode(media.getBytes('docs/report.bin'), 'CHECKSUM_MISMATCH');
      // A range cannot be verified and is served as stored.
      const part = await media.get('docs/report.bin', { range: { start: 0, end: 9 } });
      expect((await streamSha256(part.body)).bytes).toBe(10);
    } finally {
      await storage.close();
    }
  });

  it('the namespace ACL decides who may read: public-read objects are readable anonymously, private ones are not', async () => {
    const storage = client();
    try {
      await storage.blobs('public').put('logo.txt', 'hello');
      await storage.blobs('media').put('secret.txt', 'hush');
      expect((await fetch(`${service.url}/${bucket}/app/public/logo.txt`)).status).toBe(200);
      expect((await fetch(`${service.url}/${bucket}/app/media/secret.txt`)).status).toBe(403);
      await storage.blobs('media').put('shared.txt', 'hi', { acl: 'public-read' });
      expect(await (await fetch(`${service.url}/${bucket}/app/media/shared.txt`)).text()).toBe('hi');
    } finally {
      await storage.close();
    }
  });

  it('presigned GET and PUT URLs work until they expire; lifetimes outside the bounds are refused', async () => {
    const storage = client({ maxPresignExpirySeconds: 3600 });
    try {
      const media = storage.blobs('media');
      const putUrl = await media.presign('up.txt', { method: 'PUT', expiresInSeconds: 60 });
      expect((await fetch(putUrl, { method: 'PUT', body: 'uploaded by url' })).status).toBe(200);
      const getUrl = await media.presign('up.txt', { method: 'GET', expiresInSeconds: 60 });
      expect(await (await fetch(getUrl)).text()).toBe('uploaded by url');
      await rejectsWithCode(media.presign('up.txt', { method: 'GET', expiresInSeconds: 0 }), 'INVALID_ARGUMENT');
      await rejectsWithCode(media.presign('up.txt', { method: 'GET', expiresInSeconds: 604_801 }), 'INVALID_ARGUMENT');
      // Within SigV4's 7 days but above this adapter's configured ceiling.
      await rejectsWithCode(media.presign('up.txt', { method: 'GET', expiresInSeconds: 7200 }), 'INVALID_ARGUMENT');
      const expiring = await media.presign('up.txt', { method: 'GET', expiresInSeconds: 1 });
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect((await fetch(expiring)).status).toBe(403);
    } finally {
      await storage.close();
    }
  });

  it("a body over the namespace's maxObjectBytes fails with PAYLOAD_TOO_LARGE and leaves nothing behind", async () => {
    const storage = client({ partSize: '5MiB', multipartThreshold: '1MiB' }, { capped: { kind: 'blob', adapter: 's3', maxObjectBytes: 8 * MIB } });
    try {
      await rejectsWithCode(storage.blobs('capped').put('big.bin', Readable.from(dataChunks('cap', 12 * MIB))), 'PAYLOAD_TOO_LARGE');
      expect(await incompleteUploads(bucket)).toEqual([]);
      expect(await stagingObjects()).toEqual([]);
      expect(await storage.blobs('capped').exists('big.bin')).toBe(false);
    } finally {
      await storage.close();
    }
  });

  it('invalid adapter options fail the client with CONFIG_INVALID that names the path and never echoes the secret', () => {
    let caught: unknown;
    try {
      client({ partSize: '1MiB', secretKey: 'do-not-print-me', bucketPerNamespace: true });
    } catch (error) {
      caught = error;
    }
    expect(isStorageError(caught, 'CONFIG_INVALID')).toBe(true);
    const text = JSON.stringify(caught) + String((caught as Error).message);
    expect(text).toContain('partSize');
    expect(text).not.toContain('do-not-print-me');
  });
});
