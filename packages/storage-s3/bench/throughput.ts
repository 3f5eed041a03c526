/**
 * Upload and download throughput of 8 MiB and 256 MiB objects through the facade (s3 adapter with
 * default options, SHA-256 integrity on) versus the raw minio client (putObject with a known size /
 * getObject), same process, interleaved rounds in rotating order; a third side, the facade on a
 * namespace with `checksum: 'none'`, separates the adapter's cost from the integrity layer's. Then
 * the peak RSS of a 1 GiB streamed upload through the facade (and, for context, through minio's
 * putObject), each in a child process.
 * Run: pnpm bench (in this package), with the services running (pnpm services:up).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createStorageClient } from '@sanctum/storage-core';
import { s3Blobs } from '../src/index.js';
import { dataChunks } from '../test/fixtures/data.js';
import { benchService, collectGarbage, dropBucket, median } from './support.js';

const MIB = 1024 * 1024;
const SIZES = [
  { label: '8 MiB', bytes: 8 * MIB, rounds: Number(process.env['BENCH_SMALL_ROUNDS'] ?? 7) },
  { label: '256 MiB', bytes: 256 * MIB, rounds: Number(process.env['BENCH_LARGE_ROUNDS'] ?? 5) },
];
const RSS_BYTES = Number(process.env['BENCH_RSS_BYTES'] ?? 1024 * MIB);

const { connection, raw } = await benchService();
const bucket = `bench-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
await raw.makeBucket(bucket, connection.region);
const storage = createStorageClient(
  {
    schemaVersion: 1,
    adapters: { s3: { use: 's3', options: { ...connection, bucket, prefix: 'facade/' } } },
    namespaces: {
      bench: { kind: 'blob', adapter: 's3', checksum: 'sha256' },
      plain: { kind: 'blob', adapter: 's3', checksum: 'none' },
    },
  },
  { adapters: [s3Blobs()] },
);

async function drain(body: AsyncIterable<unknown>): Promise<number> {
  let bytes = 0;
  for await (const chunk of body) bytes += (chunk as Buffer).byteLength;
  return bytes;
}

async function seconds(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

type Side = 'facade' | 'plain' | 'raw';
const SIDES: readonly Side[] = ['facade', 'plain', 'raw'];
const facadeSide = (namespace: string) => {
  const blobs = storage.blobs(namespace);
  return {
    up: (key: string, bytes: number) => blobs.put(key, Readable.from(dataChunks(key, bytes)), { contentType: 'application/octet-stream' }),
    down: async (key: string) => drain((await blobs.get(key)).body),
    remove: (key: string) => blobs.delete(key),
  };
};
const sides: Record<Side, { up: (key: string, bytes: number) => Promise<unknown>; down: (key: string) => Promise<number>; remove: (key: string) => Promise<unknown> }> = {
  facade: facadeSide('bench'),
  plain: facadeSide('plain'),
  raw: {
    up: (key, bytes) => raw.putObject(bucket, `raw/${key}`, Readable.from(dataChunks(key, bytes)), bytes, { 'content-type': 'application/octet-stream' }),
    down: async (key) => drain(await raw.getObject(bucket, `raw/${key}`)),
    remove: (key) => raw.removeObject(bucket, `raw/${key}`),
  },
};

interface Row {
  size: string;
  op: 'upload' | 'download';
  facade: number;
  plain: number;
  raw: number;
  ratio: number;
  plainRatio: number;
  ratios: number[];
}
const rows: Row[] = [];

for (const size of SIZES) {
  const mibs = size.bytes / MIB;
  const results = {
    upload: { facade: [] as number[], plain: [] as number[], raw: [] as number[] },
    download: { facade: [] as number[], plain: [] as number[], raw: [] as number[] },
  };
  for (let round = 0; round < size.rounds + 1; round += 1) {
    const order = SIDES.map((_, index) => SIDES[(index + round) % SIDES.length]!);
    const measured: Record<string, number> = {};
    for (const side of order) {
      const key = `r${String(round)}-${size.label.replace(' ', '')}`;
      measured[`upload-${side}`] = mibs / (await seconds(() => sides[side].up(key, size.bytes)));
      measured[`download-${side}`] = mibs / (await seconds(() => sides[side].down(key)));
      await sides[side].remove(key);
    }
    await collectGarbage();
    if (round === 0) continue; // warm-up: connections, JIT
    for (const op of ['upload', 'download'] as const) {
      for (const side of SIDES) results[op][side].push(measured[`${op}-${side}`]!);
    }
  }
  for (const op of ['upload', 'download'] as const) {
    const { facade, plain, raw: rawResults } = results[op];
    const ratios = facade.map((value, index) => value / rawResults[index]!);
    const plainRatio = median(plain.map((value, index) => value / rawResults[index]!));
    rows.push({ size: size.label, op, facade: median(facade), plain: median(plain), raw: median(rawResults), ratio: median(ratios), plainRatio, ratios });
  }
}

console.log('\nthroughput, MiB/s (median of rounds; ratios = median of per-round side/raw)');
console.log('facade = checksum sha256 (default), plain = checksum none, raw = minio putObject/getObject');
console.log('size     op        facade    plain      raw   facade/raw  plain/raw   per-round facade/raw');
for (const row of rows) {
  console.log(
    `${row.size.padEnd(8)} ${row.op.padEnd(8)} ${row.facade.toFixed(1).padStart(7)} ${row.plain.toFixed(1).padStart(8)} ${row.raw.toFixed(1).padStart(8)} ${row.ratio.toFixed(2).padStart(11)} ${row.plainRatio.toFixed(2).padStart(10)}   ${row.ratios.map((r) => r.toFixed(2)).join(' ')}`,
  );
}

async function peakRss(mode: 'facade' | 'raw' | 'floor'): Promise<{ peakMiB: number; baselineMiB: number; mibPerSecond: number }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./rss-child.mjs', import.meta.url))], {
    env: { ...process.env, RSS_CHILD: JSON.stringify({ connection, bucket, bytes: RSS_BYTES, mode }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`rss child (${mode}) exited with ${String(code)}`);
  return JSON.parse(output.trim().split('\n').at(-1)!) as { peakMiB: number; baselineMiB: number; mibPerSecond: number };
}

console.log(`\npeak RSS of a ${String(RSS_BYTES / MIB)} MiB streamed upload (child process on dist/, rss sampled every 20 ms)`);
console.log('facade = through the s3 adapter; raw = minio putObject; floor = the facade into a store that keeps nothing');
for (const mode of ['facade', 'raw', 'floor'] as const) {
  const result = await peakRss(mode);
  console.log(`${mode.padEnd(7)} peak ${result.peakMiB.toFixed(0)} MiB (baseline ${result.baselineMiB.toFixed(0)} MiB), ${result.mibPerSecond.toFixed(1)} MiB/s`);
  await collectGarbage();
}

await storage.close();
await dropBucket(raw, bucket);
await collectGarbage();
