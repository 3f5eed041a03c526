/**
 * Upload and download throughput of 1, 16 and 256 MiB objects through the facade (s3 adapter with
 * default options, SHA-256 integrity on) versus its peers, the raw minio client (putObject with the
 * size given / getObject) and the AWS SDK v3 (lib-storage Upload / GetObject), in one process,
 * interleaved rounds in rotating order; the figure that counts is the median of the per-round
 * ratios facade / better peer. A fourth side, the facade on a namespace with `checksum: 'none'`,
 * separates the adapter's cost from the integrity layer's. Then the peak RSS of a 1 GiB streamed
 * upload through the facade (and, for context, through minio's putObject), each in a child process.
 * Run: pnpm bench (in this package), with the services running, under the machine's heavy-job lock.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createStorageClient } from '@sanctum/storage-core';
import { s3Blobs } from '../src/index.js';
import { awsSide, facadeSide, minioSide, type Side } from './sides.js';
import { benchService, collectGarbage, dropBucket, median } from './support.js';

const MIB = 1024 * 1024;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const SIZES = (process.env['BENCH_SIZES_MIB'] ?? '1,16,256').split(',').map((mib) => ({
  label: `${mib} MiB`,
  bytes: Number(mib) * MIB,
  // Small objects vary more per round: more rounds (each is cheap).
  rounds: Number(mib) <= 16 ? ROUNDS * 3 : ROUNDS,
}));
const RSS_BYTES = Number(process.env['BENCH_RSS_BYTES'] ?? 1024 * MIB);
const ONLY_RSS = process.env['BENCH_ONLY_RSS'] === '1';
// Adapter options of the RSS child (JSON), to compare settings; the table in the README uses none (defaults).
const RSS_OPTIONS = JSON.parse(process.env['BENCH_RSS_OPTIONS'] ?? '{}') as Record<string, unknown>;
const RSS_MODES = (process.env['BENCH_RSS_MODES'] ?? 'facade,raw,floor').split(',') as ('facade' | 'raw' | 'floor')[];
const RSS_REPEAT = Number(process.env['BENCH_RSS_REPEAT'] ?? 1);

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
const aws = awsSide(connection, bucket);

async function seconds(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const NAMES = ['facade', 'plain', 'minio', 'aws'] as const;
type Name = (typeof NAMES)[number];
const sides: Record<Name, Side> = {
  facade: facadeSide(storage, 'bench'),
  plain: facadeSide(storage, 'plain'),
  minio: minioSide(raw, bucket),
  aws: aws.side,
};

interface Row {
  size: string;
  op: 'upload' | 'download';
  mibs: Record<Name, number>;
  vsBest: number;
  vsMinio: number;
  vsAws: number;
  plainVsBest: number;
  ratios: number[];
}
const rows: Row[] = [];

for (const size of ONLY_RSS ? [] : SIZES) {
  const mibs = size.bytes / MIB;
  const results = { upload: new Map<Name, number[]>(), download: new Map<Name, number[]>() };
  for (const name of NAMES) {
    results.upload.set(name, []);
    results.download.set(name, []);
  }
  for (let round = 0; round < size.rounds + 1; round += 1) {
    const order = NAMES.map((_, index) => NAMES[(index + round) % NAMES.length]!);
    const measured = new Map<string, number>();
    for (const name of order) {
      const key = `r${String(round)}-${size.label.replace(' ', '')}`;
      measured.set(`upload-${name}`, mibs / (await seconds(() => sides[name].up(key, size.bytes))));
      measured.set(`download-${name}`, mibs / (await seconds(() => sides[name].down(key))));
      await sides[name].remove(key);
    }
    if (size.bytes > 4 * MIB) await collectGarbage();
    process.stderr.write(`${size.label} round ${String(round)} done\n`);
    if (round === 0) continue; // warm-up: connections, JIT
    for (const op of ['upload', 'download'] as const) {
      for (const name of NAMES) results[op].get(name)!.push(measured.get(`${op}-${name}`)!);
    }
  }
  for (const op of ['upload', 'download'] as const) {
    const of = (name: Name) => results[op].get(name)!;
    const perRound = (side: Name, peer: (index: number) => number) => of(side).map((value, index) => value / peer(index));
    const best = (index: number) => Math.max(of('minio')[index]!, of('aws')[index]!);
    const ratios = perRound('facade', best);
    rows.push({
      size: size.label,
      op,
      mibs: Object.fromEntries(NAMES.map((name) => [name, median(of(name))])) as Record<Name, number>,
      vsBest: median(ratios),
      vsMinio: median(perRound('facade', (index) => of('minio')[index]!)),
      vsAws: median(perRound('facade', (index) => of('aws')[index]!)),
      plainVsBest: median(perRound('plain', best)),
      ratios,
    });
  }
}

if (rows.length > 0) {
  console.log(`\nthroughput, MiB/s (median of ${String(ROUNDS)}+ rounds); ratios = median of per-round ratios`);
  console.log('facade = checksum sha256 (default), plain = checksum none, minio = putObject/getObject, aws = lib-storage Upload/GetObject');
  console.log('size     op        facade    plain    minio      aws  f/best  f/minio  f/aws  plain/best   per-round facade/best');
  for (const row of rows) {
    const cells = NAMES.map((name) => row.mibs[name].toFixed(1).padStart(8)).join(' ');
    const ratios = [row.vsBest, row.vsMinio, row.vsAws].map((ratio) => ratio.toFixed(2).padStart(7)).join(' ');
    console.log(`${row.size.padEnd(8)} ${row.op.padEnd(8)} ${cells} ${ratios} ${row.plainVsBest.toFixed(2).padStart(10)}   ${row.ratios.map((r) => r.toFixed(2)).join(' ')}`);
  }
}

async function peakRss(mode: 'facade' | 'raw' | 'floor'): Promise<{ peakMiB: number; hwmMiB: number; baselineMiB: number; mibPerSecond: number }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./rss-child.mjs', import.meta.url))], {
    env: { ...process.env, RSS_CHILD: JSON.stringify({ connection, bucket, bytes: RSS_BYTES, mode, options: RSS_OPTIONS }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`rss child (${mode}) exited with ${String(code)}`);
  if (process.env['BENCH_RSS_DETAIL'] === '1') console.log(output.trim().split('\n').at(-2));
  return JSON.parse(output.trim().split('\n').at(-1)!) as { peakMiB: number; hwmMiB: number; baselineMiB: number; mibPerSecond: number };
}

if (process.env['BENCH_SKIP_RSS'] !== '1') {
  console.log(`\npeak RSS of a ${String(RSS_BYTES / MIB)} MiB streamed upload (child process on dist/, rss sampled every 20 ms)`);
  console.log('facade = through the s3 adapter; raw = minio putObject; floor = the facade into a store that keeps nothing');
  console.log(`peak = largest 20 ms sample; hwm = the kernel's VmHWM; options ${JSON.stringify(RSS_OPTIONS)}`);
  for (let round = 0; round < RSS_REPEAT; round += 1) {
    for (const mode of RSS_MODES) {
      const result = await peakRss(mode);
      console.log(`${mode.padEnd(7)} peak ${result.peakMiB.toFixed(0)} MiB, hwm ${result.hwmMiB.toFixed(0)} MiB (baseline ${result.baselineMiB.toFixed(0)} MiB), ${result.mibPerSecond.toFixed(1)} MiB/s`);
      await collectGarbage();
    }
  }
}

aws.client.destroy();
await storage.close();
await dropBucket(raw, bucket);
await collectGarbage();
