import { afterAll, describe, expect, it } from 'vitest';
import { blobWormContract } from '@sanctum/storage-contract-tests';
import { createStorageClient, isStorageError } from '@sanctum/storage-core';
import { s3Blobs } from '../../src/index.js';
import { RUN_ID, connection, createStore, dropBucket, makeBucket, rawClient } from './support.js';

// What Ceph RGW honours of S3 Object Lock, measured through a raw S3 client (minio), and the
// adapter's WORM mode on top of it. Retention is short (COMPLIANCE, 3 s) so the bucket can be emptied.
const RETENTION_MS = 3000;
const lockedBucket = `${RUN_ID}-worm`;
const plainBucket = `${RUN_ID}-noworm`;
const raw = rawClient();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const worm = { mode: 'COMPLIANCE', retentionMs: RETENTION_MS } as const;

async function status(work: Promise<unknown> | void): Promise<string> {
  try {
    await work;
    return 'ok';
  } catch (error) {
    return String((error as { code?: unknown }).code ?? error);
  }
}

async function versionsOf(bucket: string, prefix: string): Promise<Array<{ name: string; versionId: string }>> {
  const found: Array<{ name: string; versionId: string }> = [];
  for await (const item of raw.listObjects(bucket, prefix, true, { IncludeVersion: true })) {
    const entry = item as { name?: string; versionId?: string | null };
    if (entry.name !== undefined && typeof entry.versionId === 'string') found.push({ name: entry.name, versionId: entry.versionId });
  }
  return found;
}

/** Waits out the retention, releases holds and removes every version (Object Lock buckets keep them all). */
async function emptyLockedBucket(bucket: string): Promise<void> {
  if (!(await raw.bucketExists(bucket))) return;
  await sleep(RETENTION_MS + 500);
  for (const version of await versionsOf(bucket, '')) {
    await status(raw.setObjectLegalHold(bucket, version.name, { status: 'OFF', versionId: version.versionId }));
    await raw.removeObject(bucket, version.name, { versionId: version.versionId });
  }
  await dropBucket(bucket);
}

afterAll(async () => {
  await emptyLockedBucket(lockedBucket);
  await dropBucket(plainBucket);
}, 30_000);
describe('WORM on S3 (Ceph RGW Object Lock)', () => {
  it('through the facade: create works; overwrite and delete are RETENTION_LOCKED until the retention ends', async () => {
    const client = createStorageClient(
      {
        schemaVersion: 1,
        adapters: { s3: { use: 's3', options: { ...connection, bucket: lockedBucket, autoCreateBucket: true, objectLock: worm } } },
        namespaces: { audit: { kind: 'blob', adapter: 's3' } },
      },
      { adapters: [s3Blobs()] },
    );
    try {
      const audit = client.blobs('audit');
      await audit.put('a.json', Buffer.from('{"n":1}'));
      await expect(audit.put('a.json', Buffer.from('{"n":2}'))).rejects.toSatisfy((e: unknown) => isStorageError(e, 'RETENTION_LOCKED'));
      // create-only is not atomic in WORM mode on RGW (it ignores If-None-Match on Object Lock buckets): not declared.
      await expect(audit.put('a.json', Buffer.from('{"n":2}'), { ifNoneMatch: '*' })).rejects.toSatisfy((e: unknown) => isStorageError(e, 'UNSUPPORTED'));
      await expect(audit.delete('a.json')).rejects.toSatisfy((e: unknown) => isStorageError(e, 'RETENTION_LOCKED'));
      expect((await audit.getBytes('a.json')).toString()).toBe('{"n":1}');
      await sleep(RETENTION_MS + 300);
      expect(await audit.delete('a.json')).toBe(true);
    } finally {
      await client.close();
    }
  }, 20_000);

  it('through the raw client: locked versions cannot be deleted or their retention shortened; legal hold holds', async () => {
    const store = createStore({ bucket: lockedBucket, autoCreateBucket: true, objectLock: worm });
    await store.open!();
    try {
      await store.put({ namespace: 'raw', key: 'r', body: Buffer.from('original') });
      const key = 'raw/r';
      const original = (await versionsOf(lockedBucket, key))[0]!.versionId;
      // An overwrite is accepted as a NEW version (S3 semantics), even with If-None-Match: * (RGW
      // ignores it on Object Lock buckets); the locked version stays readable.
      expect(await status(raw.putObject(lockedBucket, key, Buffer.from('evil'), 4, { 'If-None-Match': '*' }))).toBe('ok');
      const chunks: Buffer[] = [];
      for await (const chunk of await raw.getObject(lockedBucket, key, { versionId: original })) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('original');
      // A plain delete only adds a delete marker; deleting the locked version is refused.
      expect(await status(raw.removeObject(lockedBucket, key))).toBe('ok');
      expect(await status(raw.removeObject(lockedBucket, key, { versionId: original }))).toBe('AccessDenied');
      expect(await status(raw.removeObject(lockedBucket, key, { versionId: original, governanceBypass: true }))).toBe('AccessDenied');
      const shorter = new Date(Date.now() + 1500).toISOString();
      expect(await status(raw.putObjectRetention(lockedBucket, key, { versionId: original, mode: 'COMPLIANCE' as never, retainUntilDate: shorter }))).toBe('AccessDenied');
      // Legal hold: still refused after the retention ended, allowed once released.
      expect(await status(raw.setObjectLegalHold(lockedBucket, key, { status: 'ON' as never, versionId: original }))).toBe('ok');
      await sleep(RETENTION_MS + 300);
      expect(await status(raw.removeObject(lockedBucket, key, { versionId: original }))).toBe('AccessDenied');
      expect(await status(raw.setObjectLegalHold(lockedBucket, key, { status: 'OFF' as never, versionId: original }))).toBe('ok');
      expect(await status(raw.removeObject(lockedBucket, key, { versionId: original }))).toBe('ok');
    } finally {
      await store.close!();
    }
  }, 20_000);

  it('the adapter honours a legal hold set on the server', async () => {
    const store = createStore({ bucket: lockedBucket, autoCreateBucket: true, objectLock: { ...worm, retentionMs: 1000, legalHold: true } });
    await store.open!();
    try {
      await store.put({ namespace: 'held', key: 'h', body: Buffer.from('x') });
      await sleep(1300);
      await expect(store.delete({ namespace: 'held', key: 'h' })).rejects.toSatisfy((e: unknown) => isStorageError(e, 'RETENTION_LOCKED'));
    } finally {
      await store.close!();
    }
  }, 20_000);

  it('objectLock on a bucket without Object Lock is CONFIG_INVALID at open', async () => {
    await makeBucket(plainBucket);
    const store = createStore({ bucket: plainBucket, objectLock: worm });
    await expect(store.open!()).rejects.toSatisfy((e: unknown) => isStorageError(e, 'CONFIG_INVALID'));
    await store.close!();
    expect(createStore({ bucket: plainBucket }).capabilities.worm ?? false).toBe(false);
    expect(createStore({ bucket: plainBucket, objectLock: worm }).capabilities).toMatchObject({ worm: true, createOnly: false });
  });
});

blobWormContract({
  runner: { describe, it },
  title: 'S3 (Ceph RGW) BlobStore WORM contract, Object Lock COMPLIANCE',
  capabilities: { worm: true },
  create: () => createStore({ bucket: lockedBucket, autoCreateBucket: true, objectLock: { mode: 'COMPLIANCE', retentionMs: 1500 } }),
  retentionMs: 1500,
  // RGW keeps retain-until dates to the second.
  graceMs: 1200,
});
