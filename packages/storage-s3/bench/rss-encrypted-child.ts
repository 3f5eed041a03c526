// Child of bench/encryption.ts: one streamed upload of `bytes` (encrypted namespace or not) at
// default settings, sampling this process's RSS every 20 ms.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createStorageClient, localKeyring } from '@sanctum/storage-core';
import { s3Blobs } from '../src/index.js';
import { dataChunks } from '../test/fixtures/data.js';

const MIB = 1024 * 1024;
const config = JSON.parse(process.env['RSS_CHILD'] ?? '{}') as { connection: Record<string, unknown>; bucket: string; bytes: number; encrypted: boolean };
const storage = createStorageClient(
  {
    schemaVersion: 1,
    adapters: { s3: { use: 's3', options: { ...config.connection, bucket: config.bucket, prefix: 'rss/' } } },
    namespaces: { bench: { kind: 'blob', adapter: 's3', ...(config.encrypted ? { encryption: { keyId: 'k' } } : {}) } },
  },
  { adapters: [s3Blobs()], keys: localKeyring({ keys: { k: randomBytes(32) } }) },
);
const baseline = process.memoryUsage.rss();
let peak = baseline;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 20);
const started = process.hrtime.bigint();
await storage.blobs('bench').put('big.bin', Readable.from(dataChunks('rss', config.bytes)));
const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage.rss());
await storage.blobs('bench').delete('big.bin');
await storage.close();
console.log(JSON.stringify({ peakMiB: peak / MIB, baselineMiB: baseline / MIB, mibPerSecond: config.bytes / MIB / elapsed }));
