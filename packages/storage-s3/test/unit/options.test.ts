import { isStorageError } from '@sanctum/storage-core';
import { describe, expect, it } from 'vitest';
import { isBucketName, parseByteSize, resolveOptions, s3OptionsSchema, type S3BlobStoreOptions } from '../../src/options.js';

const MIB = 1024 * 1024;
const base = { endPoint: 's3.example.test', accessKey: 'AKIDEXAMPLE', secretKey: 'super-secret-value', bucket: 'media' } as const;

function issues(options: Record<string, unknown>): Array<{ path: string; message: string }> {
  try {
    resolveOptions(options as unknown as S3BlobStoreOptions);
  } catch (error) {
    expect(isStorageError(error, 'CONFIG_INVALID')).toBe(true);
    expect(JSON.stringify(error) + (error as Error).message).not.toContain('super-secret-value');
    return (error as { details: { issues: Array<{ path: string; message: string }> } }).details.issues;
  }
  return [];
}

describe('options', () => {
  it('fills every default', () => {
    expect(resolveOptions(base)).toEqual({
      ...base,
      port: undefined,
      useSSL: true,
      sessionToken: undefined,
      region: 'us-east-1',
      bucketPerNamespace: false,
      prefix: '',
      pathStyle: true,
      partSize: 8 * MIB,
      parallelParts: 2,
      multipartThreshold: 16 * MIB,
      autoCreateBucket: false,
      requestTimeoutMs: 60_000,
      maxSockets: 32,
      maxPresignExpirySeconds: 604_800,
      cannedAcl: true,
      signPayload: false,
    });
  });

  it('reads sizes as bytes or unit strings', () => {
    expect(parseByteSize(1024)).toBe(1024);
    expect(parseByteSize('16MiB')).toBe(16 * MIB);
    expect(parseByteSize(' 512 KiB ')).toBe(512 * 1024);
    expect(parseByteSize('1gib')).toBe(1024 * MIB);
    expect(parseByteSize('8MB')).toBe(8_000_000);
    expect(parseByteSize('1.5KiB')).toBe(1536);
    expect(parseByteSize('100')).toBe(100);
    expect(parseByteSize('12 parsecs')).toBeUndefined();
    expect(parseByteSize('0.3B')).toBeUndefined();
    expect(parseByteSize(-1)).toBeUndefined();
    expect(parseByteSize(1.5)).toBeUndefined();
    const resolved = resolveOptions({ ...base, partSize: '8MiB', multipartThreshold: '1MiB', sessionToken: 'token', port: 9000 });
    expect(resolved).toMatchObject({ partSize: 8 * MIB, multipartThreshold: MIB, sessionToken: 'token', port: 9000 });
  });

  it('reports every invalid path at once, without echoing values', () => {
    const found = issues({ ...base, partSize: '1MiB', parallelParts: 0, port: 70_000, extra: true, secretKey: '' });
    expect(found.map((issue) => issue.path).sort()).toEqual(['(root)', 'parallelParts', 'partSize', 'port', 'secretKey']);
    expect(issues({ ...base, partSize: 'lots' })[0]?.message).toContain("'16MiB'");
    expect(issues({ ...base, partSize: 6 * 1024 ** 3 })[0]?.message).toContain('5 GiB');
  });

  it('needs exactly one of bucket and bucketPerNamespace, and a threshold within the part buffers', () => {
    expect(issues({ ...base, bucketPerNamespace: true })[0]?.path).toBe('bucket');
    expect(issues({ endPoint: 'h', accessKey: 'a', secretKey: 'super-secret-value' })[0]?.path).toBe('bucket');
    expect(issues({ ...base, bucket: 'Not_A_Bucket' })[0]?.path).toBe('bucket');
    expect(issues({ ...base, multipartThreshold: '17MiB' })[0]?.path).toBe('multipartThreshold');
    expect(issues({ ...base, multipartThreshold: '16MiB' })).toEqual([]);
    expect(issues({ ...base, parallelParts: 4, multipartThreshold: '32MiB' })).toEqual([]);
    expect(resolveOptions({ ...base, parallelParts: 1 }).multipartThreshold).toBe(8 * MIB);
    expect(resolveOptions({ ...base, bucket: undefined, bucketPerNamespace: true }).bucket).toBeUndefined();
  });

  it('is a Standard Schema core can run', () => {
    const result = s3OptionsSchema['~standard'].validate({ ...base, useSSL: false });
    expect(result).toMatchObject({ value: { useSSL: false } });
  });

  it('knows valid bucket names', () => {
    for (const name of ['abc', 'my-bucket.v2', 'a'.repeat(63)]) expect(isBucketName(name)).toBe(true);
    for (const name of ['ab', 'Upper', 'under_score', 'a..b', '-lead', 'trail-', '10.1.2.3', 'a'.repeat(64)]) expect(isBucketName(name)).toBe(false);
  });
});
