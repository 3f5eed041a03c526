/**
 * Garbage collections caused by small puts: 80 sequential 1 MiB streamed puts through the facade
 * (SHA-256 on), counting V8's full (mark-compact) and minor collections, with wall and CPU time per
 * put. A put's part buffer counts towards V8's external memory at its full size, and external
 * growth of ~64 MiB triggers a full collection, so what the part writer allocates per small body
 * shows here. Run: node --conditions=@sanctum/source --import tsx bench/gc-probe.ts (under the bench lock).
 */
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { createStorageClient } from '@sanctum/storage-core';
import { s3Blobs } from '../src/index.js';
import { benchService, dropBucket } from './support.js';
const { connection, raw } = await benchService();
const bucket = `bench-gc-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
await raw.makeBucket(bucket, connection.region);
const storage = createStorageClient({ schemaVersion: 1, adapters: { s3: { use: 's3', options: { ...connection, bucket } } }, namespaces: { b: { kind: 'blob', adapter: 's3', checksum: 'sha256' } } }, { adapters: [s3Blobs()] });
const chunk = randomBytes(1 << 20);
const blobs = storage.blobs('b');
for (let i = 0; i < 5; i++) await blobs.put(`w${i}`, Readable.from([Buffer.from(chunk)]));
let major = 0; let majorMs = 0; let minor = 0;
const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) { const kind = (e as unknown as { detail: { kind: number } }).detail.kind; if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) { major++; majorMs += e.duration; } else minor++; } });
observer.observe({ entryTypes: ['gc'] });
const cpu = process.cpuUsage();
const t = performance.now();
const N = 80;
for (let i = 0; i < N; i++) await blobs.put(`k${i % 4}`, Readable.from([Buffer.from(chunk)]));
const wall = (performance.now() - t) / N;
const used = process.cpuUsage(cpu);
await new Promise((r) => setTimeout(r, 50));
console.log(`${N} x 1 MiB facade puts: ${wall.toFixed(2)} ms wall and ${((used.user + used.system) / 1000 / N).toFixed(2)} ms CPU per put; full GCs ${major} (${majorMs.toFixed(0)} ms), minor ${minor}`);
observer.disconnect();
await storage.close(); await dropBucket(raw, bucket);
