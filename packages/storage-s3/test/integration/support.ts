import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { isStorageError, type StorageError } from '@sanctum/storage-core';
import { resolveService, findEnvFile } from '@sanctum/test-services';
import { Client } from 'minio';
import { createS3BlobStore, type S3BlobStore, type S3BlobStoreOptions, type S3StoreTuning } from '../../src/index.js';

/** The S3 endpoint of this run (Ceph RGW from tooling/services). A missing service fails the file. */
export const service = await resolveService('s3');

/** A name unique to this test process, usable in bucket names. */
export const RUN_ID = `s3t-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

/** Connection options for the adapter. */
export const connection = {
  endPoint: service.endPoint,
  port: service.port,
  useSSL: service.useSSL,
  accessKey: service.accessKey,
  secretKey: service.secretKey,
  region: service.region,
  pathStyle: true,
} as const;

/** A raw minio client against the same server. */
export function rawClient(): Client {
  return new Client({ ...connection, retryOptions: { disableRetry: true } });
}

/** A store with `overrides` over the shared connection options. */
export function createStore(overrides: Partial<S3BlobStoreOptions>, tuning?: S3StoreTuning): S3BlobStore {
  return createS3BlobStore({ ...connection, ...overrides } as S3BlobStoreOptions, tuning);
}

/** Creates a bucket for a test file; pair with {@link dropBucket}. */
export async function makeBucket(name: string): Promise<void> {
  await rawClient().makeBucket(name, service.region);
}

const XML_ILLEGAL = /[\ufffe\uffff]/;

/** Removes every object and incomplete upload of `bucket`, then the bucket (ignores a missing one). */
export async function dropBucket(name: string): Promise<void> {
  const client = rawClient();
  if (!(await client.bucketExists(name))) return;
  const keys: string[] = [];
  for await (const item of client.listObjectsV2(name, '', true)) if (item.name !== undefined) keys.push(item.name);
  // Multi-object delete sends the keys as XML, which cannot carry U+FFFE/U+FFFF (the kit's
  // code point order test stores such a key): those go one by one.
  const xmlSafe = keys.filter((key) => !XML_ILLEGAL.test(key));
  for (const key of keys.filter((key) => XML_ILLEGAL.test(key))) await client.removeObject(name, key);
  for (let index = 0; index < xmlSafe.length; index += 1000) await client.removeObjects(name, xmlSafe.slice(index, index + 1000));
  for await (const upload of client.listIncompleteUploads(name, '', true)) {
    await client.abortMultipartUpload(name, upload.key, upload.uploadId);
  }
  await client.removeBucket(name);
}

/** Every incomplete multipart upload of `bucket` under `prefix`. */
export async function incompleteUploads(bucket: string, prefix = ''): Promise<Array<{ key: string; uploadId: string }>> {
  const uploads: Array<{ key: string; uploadId: string }> = [];
  for await (const upload of rawClient().listIncompleteUploads(bucket, prefix, true)) uploads.push({ key: upload.key, uploadId: upload.uploadId });
  return uploads;
}

/**
 * Best effort: makes the local Ceph RGW free the data of deleted objects now (its memstore OSD keeps
 * them until garbage collection). Does nothing on other servers.
 */
export async function collectGarbage(): Promise<void> {
  // Beside the services file, or where STORAGE_TEST_CEPH_CONF says (a checkout whose services file
  // is a copy, away from the running rig).
  const envFile = findEnvFile();
  const conf = process.env['STORAGE_TEST_CEPH_CONF'] ?? (envFile === undefined ? undefined : join(dirname(envFile), '.services', 'ceph', 'ceph.conf'));
  if (conf === undefined || !existsSync(conf)) return;
  await promisify(execFile)('radosgw-admin', ['-c', conf, 'gc', 'process', '--include-all'], { timeout: 60_000 }).catch(() => undefined);
}

/** The StorageError `promise` fails with; throws when it resolves or fails with anything else. */
export async function failure(promise: Promise<unknown>): Promise<StorageError> {
  const outcome = await promise.then(
    (value: unknown) => value,
    (error: unknown) => error,
  );
  if (!isStorageError(outcome)) throw new Error(`expected a StorageError, got ${String(outcome)}`);
  return outcome;
}
