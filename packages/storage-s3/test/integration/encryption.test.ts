import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createStorageClient, isStorageError, localKeyring, type StorageClient } from '@sanctum/storage-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3BlobStore, s3Blobs, type S3BlobStoreOptions } from '../../src/index.js';
import { RUN_ID, connection, dropBucket, makeBucket, rawClient, service } from './support.js';

// Issue 14 on a real S3 (Ceph RGW): ciphertext only at rest, tamper → DECRYPT_FAILED, rotation by
// server-side copy with the bytes this process sends counted.
const bucket = `${RUN_ID}-enc`;
const MARKER = `PLANTED-${randomBytes(6).toString('hex')}`;
const keys = localKeyring({ keys: { k1: randomBytes(32), k2: randomBytes(32) } });

function client(keyId = 'k1'): StorageClient {
  return createStorageClient(
    {
      schemaVersion: 1,
      adapters: { s3: { use: 's3', options: { ...connection, bucket, prefix: 'enc/' } } },
      namespaces: {
        secret: { kind: 'blob', adapter: 's3', encryption: { keyId } },
        plain: { kind: 'blob', adapter: 's3' },
        rotating: { kind: 'blob', adapter: 's3', encryption: { keyId } },
      },
    },
    { adapters: [s3Blobs()], keys },
  );
}

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'no error';
  } catch (error) {
    return isStorageError(error) ? error.code : String(error);
  }
}

/** Every object name, body and metadata value under `prefix`, as the server holds them. */
async function rawDump(prefix: string): Promise<Array<{ name: string; body: Buffer; meta: string }>> {
  const raw = rawClient();
  const out: Array<{ name: string; body: Buffer; meta: string }> = [];
  for await (const item of raw.listObjectsV2(bucket, prefix, true)) {
    if (item.name === undefined) continue;
    const stat = await raw.statObject(bucket, item.name);
    out.push({ name: item.name, body: await buffer(await raw.getObject(bucket, item.name)), meta: JSON.stringify(stat.metaData) });
  }
  return out;
}

/** Bytes this process writes to the S3 server's port while `work` runs. */
async function bytesSentDuring(work: () => Promise<unknown>): Promise<number> {
  const original = Socket.prototype.write;
  let sent = 0;
  Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
    if (this.remotePort === service.port) sent += typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).byteLength;
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof original;
  try {
    await work();
  } finally {
    Socket.prototype.write = original;
  }
  return sent;
}

let storage: StorageClient;
beforeAll(async () => {
  await makeBucket(bucket);
  storage = client();
});
afterAll(async () => {
  await storage.close();
  await dropBucket(bucket);
});

describe('encrypted blob namespace on S3', () => {
  it('raw scan: objects and metadata of the encrypted namespace hold no marker; the plain namespace does', async () => {
    const body = Buffer.concat([Buffer.from(MARKER), randomBytes(200_000), Buffer.from(MARKER)]);
    for (const ns of ['secret', 'plain']) {
      await storage.blobs(ns).put('doc-1', body, { metadata: { note: MARKER } });
      await storage.blobs(ns).put('doc-2', Readable.from([body.subarray(0, 70_000), body.subarray(70_000)]), { metadata: { note: MARKER } });
    }
    const hits = async (prefix: string) =>
      (await rawDump(prefix)).filter((o) => o.body.includes(Buffer.from(MARKER)) || o.meta.includes(MARKER)).length;
    expect(await hits('enc/secret/')).toBe(0);
    expect(await hits('enc/plain/')).toBe(2);
    expect((await storage.blobs('secret').getBytes('doc-2')).equals(body)).toBe(true);
    const head = await storage.blobs('secret').head('doc-1');
    expect(head.size).toBe(body.length);
    expect(head.metadata).toEqual({ note: MARKER });
    const range = await storage.blobs('secret').get('doc-2', { range: { start: 65_000, end: 140_000 } });
    expect((await buffer(range.body)).equals(body.subarray(65_000, 140_001))).toBe(true);
  });

  it('tamper on the server: flipped bit, truncation, copy to another key → DECRYPT_FAILED', async () => {
    const raw = rawClient();
    const body = randomBytes(150_000);
    await storage.blobs('secret').put('t-src', body);
    const name = 'enc/secret/t-src';
    const stat = await raw.statObject(bucket, name);
    const stored = await buffer(await raw.getObject(bucket, name));
    const meta = Object.fromEntries(Object.entries(stat.metaData).filter(([k]) => k.startsWith('sanctum-')).map(([k, v]) => [`X-Amz-Meta-${k}`, String(v)]));
    const flipped = Buffer.from(stored);
    flipped[90_000]! ^= 0x04;
    await raw.putObject(bucket, 'enc/secret/t-flip', flipped, flipped.length, meta);
    await raw.putObject(bucket, 'enc/secret/t-trunc', stored.subarray(0, stored.length - 100), stored.length - 100, meta);
    await raw.putObject(bucket, 'enc/secret/t-moved', stored, stored.length, meta);
    expect(await codeOf(storage.blobs('secret').getBytes('t-flip'))).toBe('DECRYPT_FAILED');
    expect(await codeOf(storage.blobs('secret').getBytes('t-trunc'))).toBe('DECRYPT_FAILED');
    expect(await codeOf(storage.blobs('secret').getBytes('t-moved'))).toBe('DECRYPT_FAILED');
    expect((await storage.blobs('secret').getBytes('t-src')).equals(body)).toBe(true);
  });

  it('rotation of 100 blobs re-wraps by server-side copy: ~0 data bytes sent, readable with only the new key', async () => {
    const bodies: Buffer[] = [];
    for (let i = 0; i < 100; i++) {
      const body = randomBytes(64 * 1024 + i);
      bodies.push(body);
      await storage.blobs('rotating').put(`b${String(i).padStart(3, '0')}`, body, { contentType: 'application/x-test', metadata: { n: String(i) } });
    }
    const dataBytes = bodies.reduce((sum, b) => sum + b.length, 0);
    const next = client('k2');
    let report: Awaited<ReturnType<StorageClient['rotateKeys']>> | undefined;
    const events: unknown[] = [];
    const sent = await bytesSentDuring(async () => {
      report = await next.rotateKeys('rotating', { batchSize: 25, audit: { write: async (e) => void events.push(e) } });
    });
    expect(report).toMatchObject({ scanned: 100, rewrapped: 100, fromKeyIds: ['k1'], toKeyId: 'k2', cursor: undefined });
    expect(events).toHaveLength(1);
    // Only requests (a listing page, a HEAD and a CopyObject per object, signed headers): a fixed
    // ~2 KiB per object whatever its size, and less than one object's data for all 100 together.
    console.log(`rotation of 100 blobs: ${sent} bytes sent for ${dataBytes} bytes of data`);
    expect(sent / 100).toBeLessThan(4096);
    expect(sent).toBeLessThan(bodies[0]!.length * 4);
    keys.retireKey('k1');
    try {
      for (const i of [0, 42, 99]) {
        const key = `b${String(i).padStart(3, '0')}`;
        expect((await next.blobs('rotating').getBytes(key)).equals(bodies[i]!)).toBe(true);
        const head = await next.blobs('rotating').head(key);
        expect(head.contentType).toBe('application/x-test');
        expect(head.metadata).toEqual({ n: String(i) });
      }
    } finally {
      keys.addKey('k1', randomBytes(32));
      await next.close();
    }
  });

  it('a streamed plaintext up to multipartThreshold goes in one PUT encrypted too (frame tags ride in the slack), a larger one in parts (ADR-029)', async () => {
    const MIB = 1024 * 1024;
    const small = createStorageClient(
      {
        schemaVersion: 1,
        adapters: { s3: { use: 's3', options: { ...connection, bucket, prefix: 'enc-slack/', partSize: '5MiB', multipartThreshold: '1MiB' } } },
        namespaces: { secret: { kind: 'blob', adapter: 's3', encryption: { keyId: 'k1' } }, plain: { kind: 'blob', adapter: 's3' } },
      },
      { adapters: [s3Blobs()], keys },
    );
    // Chunks that do not line up with frames or the threshold, so the tail is cut out of a chunk.
    const stream = (body: Buffer) => Readable.from(Array.from({ length: Math.ceil(body.length / 70_001) }, (_, i) => body.subarray(i * 70_001, (i + 1) * 70_001)));
    const etagOf = async (ns: string, key: string, body: Buffer) => {
      await small.blobs(ns).put(key, stream(body));
      expect((await small.blobs(ns).getBytes(key)).equals(body)).toBe(true);
      return (await small.blobs(ns).head(key)).etag;
    };
    try {
      // 1 MiB of plaintext is 1 MiB + 272 bytes of ciphertext: one PUT (an ETag without a part count).
      expect(await etagOf('secret', 'at-threshold', randomBytes(MIB))).not.toContain('-');
      await small.blobs('secret').put('in-memory-buffer', randomBytes(MIB));
      expect((await small.blobs('secret').head('in-memory-buffer')).etag).not.toContain('-');
      // Past threshold + slack (1 KiB here): parts, the tail written on into them in order.
      expect(await etagOf('secret', 'past', randomBytes(MIB + 1024))).toMatch(/-\d+$/);
      expect(await etagOf('plain', 'past', randomBytes(MIB + 1025))).toMatch(/-\d+$/);
      expect(await etagOf('plain', 'in-slack', randomBytes(MIB + 1024))).not.toContain('-');
    } finally {
      await small.close();
    }
  });

  it('replaceMetadata refuses a stale ETag and a missing key', async () => {
    const store = createS3BlobStore({ ...connection, bucket, prefix: 'enc/' } as S3BlobStoreOptions);
    await store.put({ namespace: 'direct', key: 'x', body: Buffer.from('abc') });
    const head = (await store.head({ namespace: 'direct', key: 'x' }))!;
    expect(await codeOf(store.replaceMetadata({ namespace: 'direct', key: 'x', metadata: { a: '1' }, ifMatch: 'stale' }))).toBe('PRECONDITION_FAILED');
    expect(await codeOf(store.replaceMetadata({ namespace: 'direct', key: 'nope', metadata: {}, ifMatch: head.etag }))).toBe('NOT_FOUND');
    const written = await store.replaceMetadata({ namespace: 'direct', key: 'x', metadata: { a: '1' }, contentType: 'text/plain', ifMatch: head.etag });
    const after = (await store.head({ namespace: 'direct', key: 'x' }))!;
    expect(after.metadata).toEqual({ a: '1' });
    expect(after.contentType).toBe('text/plain');
    expect(written.size).toBe(3);
    await store.close();
  });
});
