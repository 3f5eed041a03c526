import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStorageError } from '@sanctum/storage-core';
import { createS3BlobStore } from '../../../src/index.js';
import { RUN_ID, createStore, dropBucket, failure, makeBucket } from '../support.js';

// Pins what a caller sees of the S3 adapter's conditional writes against the rig's Ceph RGW: the
// error codes, messages, details and causes of create-only puts, refused compare-and-swap puts and
// bodies too large to be checked in one PUT.

const bucket = `${RUN_ID}-mcond`;
const THRESHOLD = 5 * 1024 * 1024;

beforeAll(() => makeBucket(bucket));
afterAll(() => dropBucket(bucket));

describe('create-only puts (ifNoneMatch: "*")', () => {
  it('the first one writes; a second one on the same key is ALREADY_EXISTS caused by the 412, and keeps the first body', async () => {
    const store = createStore({ bucket, prefix: 'c/', partSize: '5MiB', multipartThreshold: THRESHOLD });
    try {
      const first = await store.put({ namespace: 'ns', key: 'once', body: Buffer.from('first'), ifNoneMatch: '*' });
      const error = await failure(store.put({ namespace: 'ns', key: 'once', body: Buffer.from('second'), ifNoneMatch: '*' }));
      expect(error.code).toBe('ALREADY_EXISTS');
      expect(error.message).toContain('the key already exists (ifNoneMatch: "*")');
      expect(error.retryable).toBe(false);
      expect(isStorageError(error.cause)).toBe(true);
      expect((error.cause as { code: string }).code).toBe('PRECONDITION_FAILED');
      expect((await store.head({ namespace: 'ns', key: 'once' }))?.etag).toBe(first.etag);
    } finally {
      await store.close?.();
    }
  });

  it('an unconditional put over an existing key replaces it (no condition header is sent)', async () => {
    const store = createStore({ bucket, prefix: 'u/', partSize: '5MiB', multipartThreshold: THRESHOLD });
    try {
      const first = await store.put({ namespace: 'ns', key: 'twice', body: Buffer.from('first') });
      const second = await store.put({ namespace: 'ns', key: 'twice', body: Buffer.from('second') });
      expect(second.etag).not.toBe(first.etag);
      expect((await store.head({ namespace: 'ns', key: 'twice' }))?.etag).toBe(second.etag);
    } finally {
      await store.close?.();
    }
  });

  it('a body over the threshold is UNSUPPORTED naming the field and the limit, for a known and a streamed length', async () => {
    const store = createStore({ bucket, prefix: 'l/', partSize: '5MiB', multipartThreshold: THRESHOLD });
    try {
      for (const body of [Buffer.alloc(THRESHOLD + 1), Readable.from([Buffer.alloc(THRESHOLD), Buffer.alloc(1)])]) {
        const error = await failure(store.put({ namespace: 'ns', key: 'big', body, ifNoneMatch: '*' }));
        expect(error.code).toBe('UNSUPPORTED');
        expect(error.message).toBe(
          `create-only puts (ifNoneMatch: "*") are limited to bodies of at most ${String(THRESHOLD)} bytes (multipartThreshold): S3 servers such as Ceph RGW check the condition only on a single PUT`,
        );
        expect(error.details).toEqual({ field: 'body', limit: THRESHOLD });
      }
      expect(await store.head({ namespace: 'ns', key: 'big' })).toBeUndefined();
    } finally {
      await store.close?.();
    }
  });
});

describe('compare-and-swap puts (ifMatch)', () => {
  it('are UNSUPPORTED naming the capability and the field, and change nothing', async () => {
    const store = createStore({ bucket, prefix: 'm/', partSize: '5MiB', multipartThreshold: THRESHOLD });
    try {
      const written = await store.put({ namespace: 'ns', key: 'cas', body: Buffer.from('x') });
      for (const body of [Buffer.from('y'), Readable.from([Buffer.from('y')])]) {
        const error = await failure(store.put({ namespace: 'ns', key: 'cas', body, ifMatch: written.etag }));
        expect(error.code).toBe('UNSUPPORTED');
        expect(error.message).toContain('ifMatch on put is not supported by this adapter (capability "compareAndSwap"');
        expect(error.details).toEqual({ field: 'ifMatch' });
      }
      expect((await store.head({ namespace: 'ns', key: 'cas' }))?.etag).toBe(written.etag);
    } finally {
      await store.close?.();
    }
  });
});

describe('a 412 the adapter did not ask for', () => {
  it('stays PRECONDITION_FAILED for an unconditional put; only a create-only put, which sends If-None-Match, turns it into ALREADY_EXISTS', async () => {
    // A scripted server (RGW never answers a plain PUT with 412): every PUT fails its precondition.
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        if (request.method === 'PUT') seen.push(request.headers);
        const status = request.method === 'PUT' ? 412 : 200;
        response.writeHead(status, { 'content-type': 'application/xml' });
        response.end(status === 412 ? '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code></Error>' : '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const store = createS3BlobStore({ endPoint: '127.0.0.1', port, useSSL: false, accessKey: 'a', secretKey: 'b', bucket: 'scripted' }, { partAttempts: 1 });
    try {
      const plain = await failure(store.put({ namespace: 'ns', key: 'k', body: Buffer.from('x') }));
      expect(plain.code).toBe('PRECONDITION_FAILED');
      const create = await failure(store.put({ namespace: 'ns', key: 'k', body: Buffer.from('x'), ifNoneMatch: '*' }));
      expect(create.code).toBe('ALREADY_EXISTS');
      expect(seen.map((headers) => headers['if-none-match'])).toEqual([undefined, '*']);
    } finally {
      await store.close?.();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
