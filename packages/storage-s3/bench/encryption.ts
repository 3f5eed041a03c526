/**
 * Issue 14's blob figures: upload and download of 16 and 256 MiB through the facade on an
 * encrypted namespace vs the same facade path unencrypted (default namespace: SHA-256 integrity),
 * interleaved rounds in alternating order, median of per-round ratios encrypted / plain. Then the
 * peak RSS of a 1 GiB encrypted streamed upload in a child process at default settings, on the
 * built packages (run `pnpm build` in core and here first; BENCH_SIZES_MIB=0 runs only the RSS part).
 * Run under the machine's bench lock: node --conditions=@sanctum/source --import tsx bench/encryption.ts
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createStorageClient, localKeyring } from '@sanctum/storage-core';
import { s3Blobs } from '../src/index.js';
import { facadeSide, type Side } from './sides.js';
import { benchService, collectGarbage, dropBucket, median } from './support.js';

const MIB = 1024 * 1024;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const SIZES = (process.env['BENCH_SIZES_MIB'] ?? '16,256').split(',').map(Number);
const RSS_BYTES = Number(process.env['BENCH_RSS_BYTES'] ?? 1024 * MIB);

const { connection, raw } = await benchService();
const bucket = `bench-enc-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
await raw.makeBucket(bucket, connection.region);
const storage = createStorageClient(
  {
    schemaVersion: 1,
    adapters: { s3: { use: 's3', options: { ...connection, bucket, prefix: 'facade/' } } },
    namespaces: {
      plain: { kind: 'blob', adapter: 's3' },
      encrypted: { kind: 'blob', adapter: 's3', encryption: { keyId: 'bench' } },
    },
  },
  { adapters: [s3Blobs()], keys: localKeyring({ keys: { bench: randomBytes(32) } }) },
);

/** Client CPU (user + system) of the last timed run, ms: steadier than wall time on a loaded machine. */
let lastCpuMs = 0;

async function seconds(run: () => Promise<unknown>): Promise<number> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await run();
  const used = process.cpuUsage(cpu);
  lastCpuMs = (used.user + used.system) / 1000;
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const NAMES = ['plain', 'encrypted'] as const;
const sides: Record<(typeof NAMES)[number], Side> = { plain: facadeSide(storage, 'plain'), encrypted: facadeSide(storage, 'encrypted') };

if (SIZES.length > 0 && SIZES[0]! > 0) {
  console.log(`encrypted vs plain facade on S3, MiB/s (median of rounds); ratio = median of per-round encrypted/plain`);
  for (const mib of SIZES) {
    const rounds = mib <= 16 ? ROUNDS * 2 : ROUNDS;
    const got = { upload: { plain: [] as number[], encrypted: [] as number[] }, download: { plain: [] as number[], encrypted: [] as number[] } };
    const cpu = { upload: { plain: [] as number[], encrypted: [] as number[] }, download: { plain: [] as number[], encrypted: [] as number[] } };
    for (let round = 0; round <= rounds; round += 1) {
      const order = round % 2 === 0 ? NAMES : ([...NAMES].reverse() as unknown as typeof NAMES);
      for (const name of order) {
        const key = `r${String(round)}-${String(mib)}`;
        const up = mib / (await seconds(() => sides[name].up(key, mib * MIB)));
        const upCpu = lastCpuMs;
        const down = mib / (await seconds(() => sides[name].down(key)));
        const downCpu = lastCpuMs;
        await sides[name].remove(key);
        if (round > 0) {
          got.upload[name].push(up);
          got.download[name].push(down);
          cpu.upload[name].push(upCpu);
          cpu.download[name].push(downCpu);
        }
      }
      if (mib > 4) await collectGarbage();
    }
    for (const op of ['upload', 'download'] as const) {
      const ratios = got[op].encrypted.map((value, i) => value / got[op].plain[i]!);
      console.log(
        `${String(mib).padStart(4)} MiB ${op.padEnd(8)} plain ${median(got[op].plain).toFixed(1).padStart(7)}  encrypted ${median(got[op].encrypted).toFixed(1).padStart(7)}  ratio ${median(ratios).toFixed(2)}   per-round ${ratios.map((r) => r.toFixed(2)).join(' ')}` +
          `   client CPU ms plain ${median(cpu[op].plain).toFixed(0)} encrypted ${median(cpu[op].encrypted).toFixed(0)}`,
      );
    }
  }
}

if (process.env['BENCH_SKIP_RSS'] !== '1') {
  for (const encrypted of [true, false]) {
    // On dist/ (build core and this package first), like bench/rss-child.mjs.
    const child = spawn(process.execPath, [fileURLToPath(new URL('./rss-encrypted-child.mjs', import.meta.url))], {
      env: { ...process.env, RSS_CHILD: JSON.stringify({ connection, bucket, bytes: RSS_BYTES, encrypted }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`rss child exited with ${String(code)}`);
    const result = JSON.parse(output.trim().split('\n').at(-1)!) as { peakMiB: number; baselineMiB: number; mibPerSecond: number };
    console.log(`peak RSS, ${String(RSS_BYTES / MIB)} MiB ${encrypted ? 'encrypted' : 'plain'} streamed upload: ${result.peakMiB.toFixed(0)} MiB (baseline ${result.baselineMiB.toFixed(0)} MiB), ${result.mibPerSecond.toFixed(1)} MiB/s`);
    await collectGarbage();
  }
}

await storage.close();
await dropBucket(raw, bucket);
await collectGarbage();
