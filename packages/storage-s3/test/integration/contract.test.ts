import { afterAll, beforeAll, describe, it } from 'vitest';
import { blobStoreContract, facadeGoldenSuite, type TestRunner } from '@sanctum/storage-contract-tests';
import { createMemoryCacheStore } from '@sanctum/storage-cache-memory';
import { S3_CAPABILITIES } from '../../src/blob-store.js';
import { RUN_ID, createStore, dropBucket, makeBucket, rawClient } from './support.js';

const bucket = `${RUN_ID}-contract`;
const perNamespacePrefix = `${RUN_ID}-ns-`;

beforeAll(() => makeBucket(bucket));
afterAll(async () => {
  await dropBucket(bucket);
  for (const found of await rawClient().listBuckets()) if (found.name.startsWith(perNamespacePrefix)) await dropBucket(found.name);
});

const runner: TestRunner = { describe, it };

/** Overwrites the stored bytes with the raw client, keeping the metadata (and so the checksum). */
async function corrupt(namespace: string, key: string): Promise<void> {
  const client = rawClient();
  const objectKey = `${namespace}/${key}`;
  const stat = await client.statObject(bucket, objectKey);
  const chunks: Buffer[] = [];
  for await (const chunk of await client.getObject(bucket, objectKey)) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  bytes[Math.floor(bytes.byteLength / 2)]! ^= 0x01;
  const metadata = Object.fromEntries(Object.entries(stat.metaData).map(([name, value]) => [name === 'content-type' ? name : `x-amz-meta-${name}`, String(value)]));
  await client.putObject(bucket, objectKey, bytes, bytes.byteLength, metadata);
}

blobStoreContract({
  runner,
  // S3 ETags are MD5s of the content: identical bytes keep their ETag.
  etagsIdentifyContent: true,
  title: 'S3 (Ceph RGW) BlobStore contract, shared bucket',
  create: () => createStore({ bucket, prefix: '' }, { partAttempts: 1 }),
  capabilities: S3_CAPABILITIES,
  largeObjectBytes: 40 * 1024 * 1024,
  corrupt,
});

blobStoreContract({
  runner,
  // S3 ETags are MD5s of the content: identical bytes keep their ETag.
  etagsIdentifyContent: true,
  title: 'S3 (Ceph RGW) BlobStore contract, bucket per namespace',
  create: () => createStore({ bucketPerNamespace: true, prefix: perNamespacePrefix, autoCreateBucket: true, partSize: '5MiB' }),
  capabilities: S3_CAPABILITIES,
  largeObjectBytes: 12 * 1024 * 1024,
  listingSize: 30,
  namespacePrefix: 'c',
});

facadeGoldenSuite({
  runner,
  title: 'Facade golden suite over S3 blobs',
  cache: () => createMemoryCacheStore({}),
  blobs: () => createStore({ bucket, prefix: 'golden/' }),
});
