import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3BlobStore } from '../../src/index.js';
import { RUN_ID, failure, createStore, dropBucket, makeBucket } from './support.js';

// What the rig's RGW answers with a 5xx, and whether the adapter lets the resilience layer retry it.
const bucket = `${RUN_ID}-5xx`;
const ns = 'fivexx';
let store: S3BlobStore;

beforeAll(async () => {
  await makeBucket(bucket);
  store = createStore({ bucket });
  await store.open?.();
});

afterAll(async () => {
  await store?.close?.();
  await dropBucket(bucket);
});

describe('RGW server errors', () => {
  // S3 allows 1,024-byte keys, and minio's client lets this one through; RGW answers 500 with
  // <Code>UnknownError</Code> (its backend cannot store an object name this long), every time.
  const longKey = 'k'.repeat(1000);

  it('a 500 for a key RGW never accepts is INTERNAL, not retryable, with the S3 code read from the body', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await failure(store.put({ namespace: ns, key: longKey, body: Buffer.from('x') }));
      expect(error).toMatchObject({ code: 'INTERNAL', retryable: false, adapter: 's3', details: { s3Code: 'UnknownError', status: 500 } });
      expect(error.message).toMatch(/not retried/);
    }
    const read = await failure(store.get({ namespace: ns, key: longKey }));
    expect(read).toMatchObject({ retryable: false, details: { s3Code: 'UnknownError', status: 500 } });
  });

  it('the same store still works for an ordinary key (the error response left the connection usable)', async () => {
    await store.put({ namespace: ns, key: 'short', body: Buffer.from('ok') });
    const got = await store.get({ namespace: ns, key: 'short' });
    const chunks: Buffer[] = [];
    for await (const chunk of got!.body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('ok');
  });
});
