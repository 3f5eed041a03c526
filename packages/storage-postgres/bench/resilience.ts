/**
 * What the resilience layer (deadline → retry → breaker) costs on a healthy store: records get by
 * key through the facade with `resilience.enabled: true` vs the same facade with it off, over the
 * real PostgreSQL adapter, same pool size, same keys. Rounds are interleaved (the order alternates
 * per round) in one process; the ratio is the median of the per-round ratios on/off.
 *
 * Two figures per side: throughput, and this process's CPU time per get (user + system, from
 * `process.cpuUsage()`). On a shared machine the throughput swings with other processes' load; the
 * client CPU per call is what the layer adds, and moves much less with the machine's load.
 *
 * Run: pnpm bench:resilience (needs the PostgreSQL of `pnpm services:up`, or STORAGE_TEST_POSTGRES_URL).
 * Knobs: BENCH_ROUNDS (9), BENCH_OPS (20000), BENCH_POOL (10), BENCH_CONCURRENCY (32), BENCH_SIDE
 * (`on` or `off`: run one side only, for `node --cpu-prof`).
 */
import postgres from 'postgres';
import { createStorageClient, type StorageClient } from '@sanctum/storage-core';
import { resolveService } from '@sanctum/test-services';
import { migrateUp, postgresRecords } from '../src/index.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 9);
const OPS = Number(process.env['BENCH_OPS'] ?? 20_000);
const POOL = Number(process.env['BENCH_POOL'] ?? 10);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 32);
const ONLY_SIDE = process.env['BENCH_SIDE'];
const KEYS = 1_000;
const value = { name: 'Ada', email: 'ada@example.com', tags: ['a', 'b'], n: 42 };
type Side = 'off' | 'on';

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Throughput (ops/s) and this process's CPU µs per op. */
async function measure(op: (i: number) => Promise<unknown>, concurrency: number, count: number): Promise<{ rate: number; cpuUs: number }> {
  let next = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) await op(i);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { rate: count / seconds, cpuUs: (used.user + used.system) / count };
}

function client(url: string, schema: string, enabled: boolean): StorageClient {
  return createStorageClient(
    {
      schemaVersion: 1,
      adapters: { pg: { use: 'postgres', options: { url, schema, poolSize: POOL }, resilience: { enabled } } },
      namespaces: { bench: { kind: 'record', adapter: 'pg' } },
    },
    { adapters: [postgresRecords()] },
  );
}

async function main(): Promise<void> {
  const { url } = await resolveService('postgres');
  const schema = `sanctum_bench_res_${String(process.pid)}`;
  await migrateUp({ url, schema });
  const clients: Record<Side, StorageClient> = { off: client(url, schema, false), on: client(url, schema, true) };
  const records = { off: clients.off.records<typeof value>('bench'), on: clients.on.records<typeof value>('bench') };
  const key = (i: number): string => `user-${String(i % KEYS)}`;
  try {
    for (let k = 0; k < KEYS; k += 1) await records.off.put(key(k), value);
    const sides: readonly Side[] = ONLY_SIDE === 'on' || ONLY_SIDE === 'off' ? [ONLY_SIDE] : ['off', 'on'];
    const op = (side: Side) => (i: number) => records[side].get(key(i));
    for (const side of sides) await measure(op(side), CONCURRENCY, OPS / 2); // warm-up: connect, prepare, JIT
    console.log(`resilience layer on vs off: records get, c=${String(CONCURRENCY)}, pool ${String(POOL)}, ${String(ROUNDS)} interleaved rounds × ${String(OPS)} ops, node ${process.version}`);
    const rates: Record<Side, number[]> = { off: [], on: [] };
    const cpu: Record<Side, number[]> = { off: [], on: [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        const { rate, cpuUs } = await measure(op(side), CONCURRENCY, OPS);
        rates[side].push(rate);
        cpu[side].push(cpuUs);
      }
    }
    if (sides.length === 1) {
      console.log(`${sides[0]!}: ${median(rates[sides[0]!]).toFixed(0)} ops/s, ${median(cpu[sides[0]!]).toFixed(1)} µs client CPU per get`);
      return;
    }
    const ratios = rates.on.map((rate, round) => rate / rates.off[round]!);
    const cpuRatios = cpu.on.map((us, round) => us / cpu.off[round]!);
    const cpuAdded = cpu.on.map((us, round) => us - cpu.off[round]!);
    console.log(`throughput: off ${median(rates.off).toFixed(0)} ops/s | on ${median(rates.on).toFixed(0)} ops/s | on/off median of per-round ratios ${median(ratios).toFixed(3)}×`);
    console.log(`  per-round on/off: ${ratios.map((r) => r.toFixed(3)).join(' ')}`);
    console.log(`client CPU per get: off ${median(cpu.off).toFixed(1)} µs | on ${median(cpu.on).toFixed(1)} µs | on/off median of per-round ratios ${median(cpuRatios).toFixed(3)}× (adds ${median(cpuAdded).toFixed(2)} µs)`);
    console.log(`  per-round on/off: ${cpuRatios.map((r) => r.toFixed(3)).join(' ')}`);
  } finally {
    await clients.off.close();
    await clients.on.close();
    const admin = postgres(url, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  }
}

await main();
