/**
 * Facade overhead over calling the memory store directly, same process, interleaved rounds.
 * Reports per-operation cost and the facade/direct throughput ratio (median of rounds), with no-op
 * metrics and with prom-client metrics. Run: pnpm bench (in this package).
 */
import { Registry } from 'prom-client';
import { createStorageClient, type StorageClient } from '../src/index.js';
import { createMemoryRecordStore, memoryRecords } from '../src/spi/index.js';
import { createPrometheusMetrics } from '../src/observability/prometheus.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const OPS = Number(process.env['BENCH_OPS'] ?? 50_000);
const KEYS = 1_000;
const value = { name: 'Ada', email: 'ada@example.com', tags: ['a', 'b'], n: 42 };

type Run = (i: number) => Promise<unknown>;

async function time(run: Run): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < OPS; i++) await run(i);
  return Number(process.hrtime.bigint() - start) / OPS; // ns per op
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function client(metrics: 'noop' | 'prom'): StorageClient {
  const registry = new Registry();
  return createStorageClient(
    { schemaVersion: 1, adapters: { mem: { use: 'memory' } }, namespaces: { users: { kind: 'record', adapter: 'mem' } } },
    { adapters: [memoryRecords()], ...(metrics === 'prom' ? { metrics: createPrometheusMetrics({ registry }) } : {}) },
  );
}

async function main(): Promise<void> {
  const direct = createMemoryRecordStore();
  const noop = client('noop').records<typeof value>('users');
  const prom = client('prom').records<typeof value>('users');
  for (let k = 0; k < KEYS; k++) {
    await direct.put({ namespace: 'users', key: `user-${k}`, value });
    await noop.put(`user-${k}`, value);
    await prom.put(`user-${k}`, value);
  }
  const cases: Record<string, Record<'direct' | 'noop' | 'prom', Run>> = {
    'record get': {
      direct: (i) => direct.get({ namespace: 'users', key: `user-${i % KEYS}` }),
      noop: (i) => noop.get(`user-${i % KEYS}`),
      prom: (i) => prom.get(`user-${i % KEYS}`),
    },
    'record put': {
      direct: (i) => direct.put({ namespace: 'users', key: `user-${i % KEYS}`, value }),
      noop: (i) => noop.put(`user-${i % KEYS}`, value),
      prom: (i) => prom.put(`user-${i % KEYS}`, value),
    },
  };
  console.log(`facade overhead: ${ROUNDS} interleaved rounds × ${OPS} ops, concurrency 1, node ${process.version}`);
  for (const [name, runs] of Object.entries(cases)) {
    for (const run of Object.values(runs)) await time(run); // warm-up
    const ns: Record<'direct' | 'noop' | 'prom', number[]> = { direct: [], noop: [], prom: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const variant of ['direct', 'noop', 'prom'] as const) ns[variant].push(await time(runs[variant]));
    }
    const ratio = (v: 'noop' | 'prom') => median(ns.direct.map((d, i) => d / ns[v][i]!));
    const d = median(ns.direct);
    console.log(
      `${name.padEnd(11)} direct ${(1e9 / d).toFixed(0).padStart(9)} ops/s (${d.toFixed(0)} ns)` +
        ` | facade+noop ${(1e9 / median(ns.noop)).toFixed(0).padStart(9)} ops/s, +${(median(ns.noop) - d).toFixed(0)} ns/op, ratio ${ratio('noop').toFixed(2)}×` +
        ` | facade+prom ${(1e9 / median(ns.prom)).toFixed(0).padStart(9)} ops/s, +${(median(ns.prom) - d).toFixed(0)} ns/op, ratio ${ratio('prom').toFixed(2)}×`,
    );
  }
}

await main();
