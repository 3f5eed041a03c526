import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { findEnvFile, resolveService } from '@sanctum/test-services';
import { Client } from 'minio';

/** The S3 endpoint the benchmarks run against (the local Ceph RGW of tooling/services). */
export async function benchService() {
  const service = await resolveService('s3');
  const connection = {
    endPoint: service.endPoint,
    port: service.port,
    useSSL: service.useSSL,
    accessKey: service.accessKey,
    secretKey: service.secretKey,
    region: service.region,
    pathStyle: true,
  };
  return { service, connection, raw: new Client({ ...connection, retryOptions: { disableRetry: true } }) };
}

/** Best effort: frees the data of deleted objects on the local RGW (memstore keeps it until GC). */
export async function collectGarbage(): Promise<void> {
  // Beside the services file, or where STORAGE_TEST_CEPH_CONF says (a checkout whose services file
  // is a copy, away from the running rig).
  const envFile = findEnvFile();
  const conf = process.env['STORAGE_TEST_CEPH_CONF'] ?? (envFile === undefined ? undefined : join(dirname(envFile), '.services', 'ceph', 'ceph.conf'));
  if (conf === undefined || !existsSync(conf)) return;
  await promisify(execFile)('radosgw-admin', ['-c', conf, 'gc', 'process', '--include-all'], { timeout: 60_000 }).catch(() => undefined);
}

/** Deletes every object of `bucket`, then the bucket. */
export async function dropBucket(raw: Client, bucket: string): Promise<void> {
  if (!(await raw.bucketExists(bucket))) return;
  const keys: string[] = [];
  for await (const item of raw.listObjectsV2(bucket, '', true)) if (item.name !== undefined) keys.push(item.name);
  if (keys.length > 0) await raw.removeObjects(bucket, keys);
  for await (const upload of raw.listIncompleteUploads(bucket, '', true)) await raw.abortMultipartUpload(bucket, upload.key, upload.uploadId);
  await raw.removeBucket(bucket);
}

/** Median of `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
