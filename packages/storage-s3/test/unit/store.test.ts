import { isStorageError } from '@sanctum/storage-core';
import { describe, expect, it } from 'vitest';
import { S3_CAPABILITIES } from '../../src/blob-store.js';
import { createS3BlobStore, s3, s3Blobs } from '../../src/index.js';

// No request leaves the process here: presigning is a local computation.
const base = { endPoint: 's3.example.test', accessKey: 'AKIDEXAMPLE', secretKey: 'super-secret-value', bucket: 'media' } as const;

describe('the store without I/O', () => {
  it('presigns for HTTPS on the default port with a session token', async () => {
    const store = createS3BlobStore({ ...base, sessionToken: 'session-token', prefix: 'app/' });
    const url = new URL(await store.presign({ namespace: 'ns', key: 'a b/ü.txt', method: 'GET', expiresInSeconds: 60 }));
    expect(url.protocol).toBe('https:');
    expect(url.port).toBe('');
    expect(url.pathname).toBe('/media/app/ns/a%20b/%C3%BC.txt');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('session-token');
    expect(url.toString()).not.toContain('super-secret-value');
    await store.close?.();
  });

  it('presigns for plain HTTP on a custom port, PUT too', async () => {
    const store = createS3BlobStore({ ...base, useSSL: false, port: 9000 });
    const url = new URL(await store.presign({ namespace: 'ns', key: 'k', method: 'PUT', expiresInSeconds: 604_800 }));
    expect(url.origin).toBe('http://s3.example.test:9000');
    expect(url.searchParams.get('X-Amz-Security-Token')).toBeNull();
    await store.close?.();
  });

  it('declares what Ceph RGW, MinIO and AWS all honour', () => {
    const store = createS3BlobStore(base);
    expect(store.capabilities).toBe(S3_CAPABILITIES);
    expect(S3_CAPABILITIES).toEqual({ conditionalWrite: false, conditionalRead: true, rangeRead: true, delimiter: true, presign: true, acl: true });
    expect(Object.isFrozen(S3_CAPABILITIES)).toBe(true);
    expect({ kind: store.kind, name: store.name }).toEqual({ kind: 'blob', name: 's3' });
  });

  it('declares no acl capability with cannedAcl: false, and refuses puts that ask for one', async () => {
    const store = createS3BlobStore({ ...base, cannedAcl: false });
    expect(store.capabilities.acl).toBe(false);
    const outcome = await store.put({ namespace: 'ns', key: 'k', body: Buffer.from('x'), acl: 'private' }).catch((error: unknown) => error);
    expect(isStorageError(outcome, 'UNSUPPORTED')).toBe(true);
  });

  it('refuses bad options with CONFIG_INVALID, and the factory validates the same way', () => {
    expect(() => createS3BlobStore({ ...base, partSize: 1 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    const factory = s3Blobs();
    expect({ kind: factory.kind, name: factory.name }).toEqual({ kind: 'blob', name: 's3' });
    expect(s3).toBe(s3Blobs); // the deprecated alias, kept for one release
    const result = factory.optionsSchema['~standard'].validate({ ...base, parallelParts: 0 });
    expect('issues' in result && result.issues?.[0]?.path).toEqual(['parallelParts']);
  });

  it('refuses conditional writes and out-of-range presign lifetimes before any I/O', async () => {
    const store = createS3BlobStore({ ...base, maxPresignExpirySeconds: 60 });
    const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: unknown) => (isStorageError(error) ? error.code : error));
    expect(await codeOf(store.put({ namespace: 'ns', key: 'k', body: Buffer.from('x'), ifNoneMatch: '*' }))).toBe('UNSUPPORTED');
    expect(await codeOf(store.presign({ namespace: 'ns', key: 'k', method: 'GET', expiresInSeconds: 61 }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(store.put({ namespace: 'ns', key: 'k', body: Buffer.from('x'), contentLength: 10_000 * 16 * 1024 * 1024 + 1 }))).toBe('PAYLOAD_TOO_LARGE');
  });
});
