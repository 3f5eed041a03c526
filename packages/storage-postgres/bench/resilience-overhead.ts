/**
 * What the resilience layer (deadline → retry → breaker) costs on a healthy PostgreSQL: records get
 * by key at concurrency 32 through two facade clients that differ only in `resilience.enabled`,
 * same process, interleaved rounds (the order alternates per round). Reports ops/s per side and
 * the on/off throughput ratio as the median of per-round ratios.
 *
 * Run: node --conditions=@sanctum/source --import tsx bench/resilience-overhead.ts (under
 * `flock /tmp/sanctum-heavy.lock` on shared machines). Knobs: BENCH_ROUNDS (9), BENCH_OPS (8000).
 */
import { randomBytes } from 'node:crypto';
import postgresJs from 'postgres';
import { createStorageClient, type StorageClient } from '@sanctum/storage-core';
import { resolveService } from '@sanctum/test-services';
import { migrateUp, postgresRecords } from '../src/index.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 9);
const OPS = Number(process.env['BENCH_OPS'] ?? 8_000);
const CONCURRENCY = 32;
const KEYS = 1_000;

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function client(url: string, schema: string, enabled: boolean): StorageClient {
  return createStorageClient(
    {
      schemaVersion: 1,
      adapters: { pg: { use: 'postgres', options: { url, schema, poolSize: 10 }, resilience: { enabled } } },
      namespaces: { users: { kind: 'record', adapter: 'pg' } },
    },
    { adapters: [postgresRecords()] },
  );
}

async function opsPerSecond(c: StorageClient): Promise<number> {
  const users = c.records('users');
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < OPS; i = next++) await users.get(`user-${i % KEYS}`);
    }),
  );
  return OPS / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const { url } = await resolveService('postgres');
  const schema = `sanctum_bench_res_${randomBytes(4).toString('hex')}`;
  await migrateUp({ url, schema });
  const sides = { off: client(url, schema, false), on: client(url, schema, true) };
  try {
    const users = sides.off.records('users');
    for (let k = 0; k < KEYS; k++) await users.put(`user-${k}`, { name: 'Ada', n: k });
    await opsPerSecond(sides.off); // warm-up, both sides
    await opsPerSecond(sides.on);
    const ratios: number[] = [];
    const rates = { off: [] as number[], on: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      const order: Array<'off' | 'on'> = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      const got: Record<string, number> = {};
      for (const side of order) got[side] = await opsPerSecond(sides[side]);
      rates.off.push(got['off']!);
      rates.on.push(got['on']!);
      ratios.push(got['on']! / got['off']!);
    }
    console.log(`resilience overhead: records get, c=${CONCURRENCY}, ${ROUNDS} interleaved rounds × ${OPS} ops, node ${process.version}`);
    console.log(`  resilience off: ${median(rates.off).toFixed(0)} ops/s (median)`);
    console.log(`  resilience on:  ${median(rates.on).toFixed(0)} ops/s (median)`);
    console.log(`  on/off throughput ratio, median of per-round ratios: ${median(ratios).toFixed(3)} (rounds: ${ratios.map((r) => r.toFixed(3)).join(' ')})`);
  } finally {
    await Promise.all([sides.off.close(), sides.on.close()]);
    const admin = postgresJs(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop schema if exists "${schema}" cascade`);
    await admin.end({ timeout: 1 });
  }
}

await main();
