// Child of bench/throughput.ts: one streamed upload of `bytes`, sampling this process's RSS.
// Plain JavaScript on the built packages (dist/), so the measurement holds what a service running
// this adapter holds, not a TypeScript loader.
import { Buffer } from 'node:buffer';
import console from 'node:console';
import { createCipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { Readable } from 'node:stream';
import { clearInterval, setImmediate, setInterval } from 'node:timers';
import { createStorageClient } from '@sanctum/storage-core';
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

// Mode `floor`: the same facade and source, but a store that reads the body and keeps nothing: what
// the process holds without any S3 adapter (Node, the source, the SHA-256 layer).
const sink = {
  kind: 'blob',
  name: 'sink',
  capabilities: { conditionalWrite: false, conditionalRead: false, rangeRead: false, delimiter: false, presign: false, acl: false },
  async put(request) {
    let size = 0;
    for await (const chunk of request.body) size += chunk.length;
    request.trailingMetadata?.();
    return { etag: 'sink', version: 'sink', size };
  },
  async get() {},
  async head() {},
  async delete() {
    return false;
  },
  async list() {
    return { items: [], prefixes: [] };
  },
};
const sinkFactory = { kind: 'blob', name: 'sink', optionsSchema: s3Blobs().optionsSchema, create: () => sink };
const storage = createStorageClient(
  {
    schemaVersion: 1,
    adapters: {
      s3: { use: config.mode === 'floor' ? 'sink' : 's3', options: { ...config.connection, bucket: config.bucket, prefix: 'rss/', ...config.options } },
    },
    namespaces: { bench: { kind: 'blob', adapter: 's3', checksum: 'sha256' } },
  },
  { adapters: [s3Blobs(), sinkFactory] },
);
// minio only for the `raw` mode: importing it costs some 38 MiB of RSS that the facade no longer pays.
const raw = config.mode === 'raw' ? new (await import('minio')).Client({ ...config.connection, retryOptions: { disableRetry: true } }) : undefined;

const baseline = process.memoryUsage.rss();
let peak = baseline;
let atPeak = process.memoryUsage();
const sampler = setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss > peak) {
    peak = rss;
    // Where the memory is when RSS peaks (JS heap, Buffers outside it), to see what to cut.
    atPeak = process.memoryUsage();
  }
}, 20);
const started = process.hrtime.bigint();
const body = Readable.from(dataChunks('rss', config.bytes));
if (config.mode === 'raw') await raw.putObject(config.bucket, 'rss/raw-big.bin', body, config.bytes);
else await storage.blobs('bench').put('big.bin', body);
const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage.rss());
if (config.mode === 'facade') await storage.blobs('bench').delete('big.bin');
else if (config.mode === 'raw') await raw.removeObject(config.bucket, 'rss/raw-big.bin');
await storage.close();
// The kernel's high-water mark of this process's RSS (VmHWM): the true peak, between samples too.
const hwmKiB = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? Number.NaN);
const mib = (bytes) => Math.round((bytes / MIB) * 10) / 10;
console.log(JSON.stringify({ atPeakMiB: { heapTotal: mib(atPeak.heapTotal), heapUsed: mib(atPeak.heapUsed), external: mib(atPeak.external), arrayBuffers: mib(atPeak.arrayBuffers) } }));
console.log(JSON.stringify({ peakMiB: peak / MIB, hwmMiB: hwmKiB / 1024, baselineMiB: baseline / MIB, mibPerSecond: config.bytes / MIB / elapsed }));
