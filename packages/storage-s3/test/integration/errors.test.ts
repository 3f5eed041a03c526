import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKSUM_METADATA_KEY } from '@sanctum/storage-core/spi';
import { S3Connection } from '../../src/client.js';
import { toStorageError } from '../../src/errors.js';
import { resolveOptions } from '../../src/options.js';
import type { S3BlobStore } from '../../src/index.js';
import { dataChunks } from '../fixtures/data.js';
import { RUN_ID, failure, connection, createStore, dropBucket, makeBucket } from './support.js';

const bucket = `${RUN_ID}-errors`;
const ns = 'errs';
let store: S3BlobStore;

/** A TCP server that accepts connections and never answers (or closes them at once). */
async function silentServer(behaviour: 'hang' | 'reset'): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    if (behaviour === 'reset') socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : 0 };
}

beforeAll(async () => {
  await makeBucket(bucket);
  store = createStore({ bucket });
  await store.open?.();
  await store.put({ namespace: ns, key: 'present', body: Buffer.from('0123456789') });
});

afterAll(async () => {
  await store.close?.();
  await dropBucket(bucket);
});

describe('errors from the real server are mapped, never raw', () => {
  it('a wrong secret is ACCESS_DENIED (not retryable) for every operation, and health says so', async () => {
    const denied = createStore({ bucket, secretKey: 'not-the-secret' });
    for (const attempt of [
      denied.open!(),
      denied.get({ namespace: ns, key: 'present' }),
      denied.head({ namespace: ns, key: 'present' }),
      denied.list({ namespace: ns }),
      denied.put({ namespace: ns, key: 'x', body: Buffer.from('x') }),
      denied.put({ namespace: ns, key: 'x', body: Readable.from(dataChunks('denied', 20 * 1024 * 1024)), trailingMetadata: () => ({}) }),
      denied.createUpload({ namespace: ns, key: 'x' }),
    ]) {
      const error = await failure(attempt);
      expect(error.code).toBe('ACCESS_DENIED');
      expect(error.retryable).toBe(false);
      expect(error.adapter).toBe('s3');
      expect(JSON.stringify(error)).not.toContain('not-the-secret');
    }
    expect(await denied.health?.()).toMatchObject({ ok: false, details: { code: 'ACCESS_DENIED' } });
    await denied.close?.();
  });

  it('a missing bucket is CONFIG_INVALID: at open, and on reads when the store was not opened', async () => {
    const missing = createStore({ bucket: `${RUN_ID}-nope` });
    const atOpen = await failure(missing.open!());
    expect(atOpen.code).toBe('CONFIG_INVALID');
    expect(atOpen.details).toMatchObject({ bucket: `${RUN_ID}-nope` });
    const perNamespace = createStore({ bucketPerNamespace: true, prefix: `${RUN_ID}-none-` });
    expect((await failure(perNamespace.get({ namespace: 'x', key: 'k' }))).code).toBe('CONFIG_INVALID');
    expect((await failure(perNamespace.list({ namespace: 'x' }))).code).toBe('CONFIG_INVALID');
    expect((await failure(perNamespace.put({ namespace: 'x', key: 'k', body: Buffer.from('k') }))).code).toBe('CONFIG_INVALID');
    await missing.close?.();
    await perNamespace.close?.();
  });

  it('a Content-MD5 that does not match the body is CHECKSUM_MISMATCH and retryable (corrupted in transit)', async () => {
    const raw = new S3Connection(resolveOptions({ ...connection, bucket }));
    const wrongMd5 = createHash('md5').update('something else').digest('base64');
    const error = await raw
      .request({ method: 'PUT', bucketName: bucket, objectName: 'digest', headers: { 'content-md5': wrongMd5 } }, Buffer.from('payload'))
      .then(
        () => undefined,
        (caught: unknown) => toStorageError(caught, { operation: 'blobs.put', namespace: ns }),
      );
    expect(error).toMatchObject({ code: 'CHECKSUM_MISMATCH', retryable: true, details: { s3Code: 'BadDigest', status: 400 } });
    raw.close();
  });

  it('a single PUT whose trailing SHA-256 does not match the body is refused by the server as CHECKSUM_MISMATCH; a matching one is stored', async () => {
    const body = Buffer.from('the bytes that travel');
    const wrong = createHash('sha256').update('other bytes').digest('hex');
    const refused = await failure(store.put({ namespace: ns, key: 'signed', body, trailingMetadata: () => ({ [CHECKSUM_METADATA_KEY]: wrong }) }));
    expect(refused).toMatchObject({ code: 'CHECKSUM_MISMATCH', retryable: true, details: { s3Code: 'XAmzContentSHA256Mismatch' } });
    expect(await store.head({ namespace: ns, key: 'signed' })).toBeUndefined();
    // The same through the streamed path (the digest arrives once the body ended).
    const streamed = store.put({ namespace: ns, key: 'signed', body: Readable.from([body]), trailingMetadata: () => ({ [CHECKSUM_METADATA_KEY]: wrong }) });
    expect(await failure(streamed)).toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(await store.head({ namespace: ns, key: 'signed' })).toBeUndefined();
    // Metadata merely passed along is stored as given, not taken as the body's digest (the contract
    // kit's corruption rewrites an object with its old metadata this way).
    await store.put({ namespace: ns, key: 'carried', body, metadata: { [CHECKSUM_METADATA_KEY]: wrong } });
    expect((await store.head({ namespace: ns, key: 'carried' }))?.metadata).toMatchObject({ [CHECKSUM_METADATA_KEY]: wrong });
    const right = createHash('sha256').update(body).digest('hex');
    await store.put({ namespace: ns, key: 'signed', body: Readable.from([body]), trailingMetadata: () => ({ [CHECKSUM_METADATA_KEY]: right }) });
    const stored = await store.head({ namespace: ns, key: 'signed' });
    expect(stored).toMatchObject({ size: body.byteLength, etag: createHash('md5').update(body).digest('hex'), metadata: { [CHECKSUM_METADATA_KEY]: right } });
  });

  it('a range past the end is INVALID_ARGUMENT; a stale ifMatch on get is PRECONDITION_FAILED', async () => {
    expect((await failure(store.get({ namespace: ns, key: 'present', range: { start: 10 } }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(store.get({ namespace: ns, key: 'present', range: { start: 5, end: 2 } }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(store.get({ namespace: ns, key: 'present', ifMatch: '"0123"' }))).code).toBe('PRECONDITION_FAILED');
    const head = await store.head({ namespace: ns, key: 'present' });
    const object = await store.get({ namespace: ns, key: 'present', ifMatch: `"${head!.etag}"`, range: { start: 8 } });
    expect(object?.range).toEqual({ start: 8, end: 9 });
    object?.body.resume();
    expect(await store.get({ namespace: ns, key: 'absent', ifMatch: head!.etag })).toBeUndefined();
  });

  it('compare-and-swap puts and conditional deletes are UNSUPPORTED (RGW: 500 for racing If-Match PUTs, If-Match ignored on DELETE) and change nothing', async () => {
    const head = await store.head({ namespace: ns, key: 'present' });
    expect((await failure(store.put({ namespace: ns, key: 'present', body: Buffer.from('x'), ifMatch: head!.etag }))).code).toBe('UNSUPPORTED');
    expect((await failure(store.delete({ namespace: ns, key: 'present', ifMatch: head!.etag }))).code).toBe('UNSUPPORTED');
    expect((await store.head({ namespace: ns, key: 'present' }))?.etag).toBe(head!.etag);
  });

  it('malformed requests are refused before any I/O', async () => {
    expect((await failure(store.get({ namespace: 'a/b', key: 'k' }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(store.get({ namespace: ns, key: '' }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(store.list({ namespace: ns, limit: 0 }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(store.list({ namespace: ns, delimiter: '' }))).code).toBe('INVALID_ARGUMENT');
    const page = await store.list({ namespace: ns, limit: 1, prefix: '' });
    await store.put({ namespace: ns, key: 'second', body: Buffer.from('2') });
    const paged = await store.list({ namespace: ns, limit: 1 });
    expect(paged.cursor).toBeDefined();
    expect((await failure(store.list({ namespace: ns, limit: 1, prefix: 'p', cursor: paged.cursor! }))).code).toBe('INVALID_ARGUMENT');
    expect(page.items).toHaveLength(1);
    const perNamespace = createStore({ bucketPerNamespace: true, prefix: 'x' });
    expect((await failure(perNamespace.head({ namespace: 'Upper_Case', key: 'k' }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(perNamespace.put({ namespace: 'fine', key: '.sanctum-staging/k', body: Buffer.from('k') }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(store.presign({ namespace: ns, key: 'k', method: 'DELETE' as 'GET', expiresInSeconds: 5 }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(store.presign({ namespace: ns, key: 'k', method: 'GET', expiresInSeconds: 1.5 }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(store.head({ namespace: ns, key: 'k', signal: AbortSignal.abort() }))).code).toBe('UNAVAILABLE');
    // A name S3 refuses although it has the shape of a bucket name (an IP address).
    const ipNamed = createStore({ bucketPerNamespace: true });
    expect((await failure(ipNamed.presign({ namespace: '10.1.2.3', key: 'k', method: 'GET', expiresInSeconds: 5 }))).code).toBe('INVALID_ARGUMENT');
    await ipNamed.close?.();
    await perNamespace.close?.();
  });
});

describe('connection failures', () => {
  it('a refused connection is UNAVAILABLE and retryable', async () => {
    const { server, port } = await silentServer('hang');
    server.close();
    await new Promise((resolve) => server.once('close', resolve));
    const down = createStore({ bucket, port });
    const error = await failure(down.get({ namespace: ns, key: 'k' }));
    expect(error).toMatchObject({ code: 'UNAVAILABLE', retryable: true, details: { s3Code: 'ECONNREFUSED' } });
    expect(await down.health?.()).toMatchObject({ ok: false, details: { code: 'UNAVAILABLE' } });
    await down.close?.();
  });

  it('a reset connection is UNAVAILABLE; a server that never answers is TIMEOUT after requestTimeoutMs', async () => {
    const reset = await silentServer('reset');
    const resetting = createStore({ bucket, port: reset.port });
    expect(await failure(resetting.head({ namespace: ns, key: 'k' }))).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    await resetting.close?.();
    reset.server.close();

    const hang = await silentServer('hang');
    const hanging = createStore({ bucket, port: hang.port, requestTimeoutMs: 200 });
    const started = Date.now();
    expect(await failure(hanging.head({ namespace: ns, key: 'k' }))).toMatchObject({ code: 'TIMEOUT', retryable: true, details: { s3Code: 'ETIMEDOUT' } });
    expect(Date.now() - started).toBeLessThan(5_000);
    await hanging.close?.();
    hang.server.close();
  });

  it('a slow reader holds the download back instead of buffering it', async () => {
    const size = 8 * 1024 * 1024;
    await store.put({ namespace: ns, key: 'slow', body: Readable.from(dataChunks('slow', size)) });
    const object = await store.get({ namespace: ns, key: 'slow' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Nothing was read yet: at most the body's buffer (1 MiB) plus a socket's worth sits in memory.
    expect(object!.body.readableLength).toBeLessThanOrEqual(2 * 1024 * 1024);
    let bytes = 0;
    for await (const chunk of object!.body) bytes += (chunk as Buffer).byteLength;
    expect(bytes).toBe(size);
  });

  it('a download cut off mid-body fails the body stream with a mapped StorageError', async () => {
    const big = 8 * 1024 * 1024;
    await store.put({ namespace: ns, key: 'big', body: Readable.from(dataChunks('cut', big)) });
    const controller = new AbortController();
    const object = await store.get({ namespace: ns, key: 'big', signal: controller.signal });
    const chunks: Buffer[] = [];
    const reading = (async () => {
      for await (const chunk of object!.body) {
        chunks.push(chunk as Buffer);
        controller.abort();
      }
    })();
    const error = await failure(reading);
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.operation).toBe('blobs.get');
  });
});
