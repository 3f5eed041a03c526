// Child of bench/encryption.ts: one streamed upload of `bytes` to an encrypted (or plain) namespace
// at default settings, sampling this process's RSS every 20 ms. Plain JavaScript on the built
// packages (dist/), like rss-child.mjs, so it measures what a service holds, not a TypeScript loader.
import { Buffer } from 'node:buffer';
import console from 'node:console';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import process from 'node:process';
import { Readable } from 'node:stream';
import { clearInterval, setImmediate, setInterval } from 'node:timers';
import { createStorageClient, localKeyring } from '@sanctum/storage-core';
import { s3Blobs } from '../dist/index.js';

const MIB = 1024 * 1024;
const config = JSON.parse(process.env.RSS_CHILD ?? '{}');

// The same deterministic 1 MiB chunks as test/fixtures/data.ts.
async function* dataChunks(seed, totalBytes) {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const zeros = Buffer.alloc(MIB);
  for (let offset = 0; offset < totalBytes; offset += MIB) {
    const iv = Buffer.alloc(16);
    iv.writeUInt32BE(offset / MIB, 0);
    yield createCipheriv('aes-128-ctr', key, iv).update(zeros.subarray(0, Math.min(MIB, totalBytes - offset)));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

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
