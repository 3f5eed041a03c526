/**
 * What the resilience layer costs per call when nothing is slow, with the backend's own time taken
 * out: the facade over the in-memory record store with `resilience.enabled` true vs false, 32
 * concurrent callers, interleaved rounds (order alternating), median of per-round figures. Also the
 * breaker step alone: opossum 9's `fire()` vs this package's counter breaker (ADR 011).
 *
 * Run: pnpm bench:resilience (in this package). Knobs: BENCH_ROUNDS (9), BENCH_OPS (200000).
 */
import CircuitBreaker from 'opossum';
import { createStorageClient, type RecordCollection } from '../src/index.js';
import { memoryRecords } from '../src/spi/index.js';
import { AdapterBreaker } from '../src/layers/resilience/breaker.js';
import { createNoopMetrics } from '../src/observability/metrics.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 9);
const OPS = Number(process.env['BENCH_OPS'] ?? 200_000);
const CONCURRENCY = 32;
const value = { name: 'Ada', email: 'ada@example.com', tags: ['a', 'b'], n: 42 };

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** ns per call of `op`, run OPS times by CONCURRENCY callers. */
async function nsPerCall(op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < OPS; i = next++) await op(i);
    }),
  );
  return Number(process.hrtime.bigint() - start) / OPS;
}

function records(enabled: boolean): RecordCollection<typeof value> {
  return createStorageClient(
    { schemaVersion: 1, adapters: { mem: { use: 'memory', resilience: { enabled } } }, namespaces: { users: { kind: 'record', adapter: 'mem' } } },
    { adapters: [memoryRecords()] },
  ).records<typeof value>('users');
}

async function main(): Promise<void> {
  const off = records(false);
  const on = records(true);
  for (let k = 0; k < 1000; k++) {
    await off.put(`k${String(k)}`, value);
    await on.put(`k${String(k)}`, value);
  }
  const runtime = { metrics: createNoopMetrics(), logger: { log: () => undefined }, now: Date.now } as never;
  const ours = new AdapterBreaker('bench', 'bench', { errorRate: 0.5, volume: 20, halfOpenAfterMs: 5000, windowMs: 10_000 }, runtime);
  const opossum = new CircuitBreaker((thunk: () => Promise<unknown>) => thunk(), {
    timeout: false,
    errorThresholdPercentage: 50,
    volumeThreshold: 20,
    resetTimeout: 5000,
    rollingCountTimeout: 10_000,
    rollingCountBuckets: 10,
    enableSnapshots: false,
    rollingPercentilesEnabled: false,
  });
  const answer = (): Promise<number> => Promise.resolve(1);
  const cases: Record<string, (i: number) => Promise<unknown>> = {
    'facade, resilience off': (i) => off.get(`k${String(i % 1000)}`),
    'facade, resilience on': (i) => on.get(`k${String(i % 1000)}`),
    'bare call': () => answer(),
    'opossum fire()': () => opossum.fire(answer),
    'counter breaker': () => {
      if (!ours.admit()) throw new Error('open');
      return answer().then((v) => (ours.succeeded(), v));
    },
  };
  for (const op of Object.values(cases)) await nsPerCall(op);
  const ns: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const names = round % 2 === 0 ? Object.keys(cases) : Object.keys(cases).reverse();
    for (const name of names) ns[name]!.push(await nsPerCall(cases[name]!));
  }
  console.log(`resilience layer cost per call, memory store, c=${String(CONCURRENCY)}, ${String(ROUNDS)} interleaved rounds × ${String(OPS)} calls, node ${process.version}`);
  for (const [name, xs] of Object.entries(ns)) console.log(`${name.padEnd(24)} ${median(xs).toFixed(0).padStart(6)} ns/call`);
  const added = ns['facade, resilience on']!.map((x, r) => x - ns['facade, resilience off']![r]!);
  const breaker = (name: string) => ns[name]!.map((x, r) => x - ns['bare call']![r]!);
  console.log(`layer adds ${median(added).toFixed(0)} ns per call (median of per-round differences)`);
  console.log(`breaker step: opossum fire() adds ${median(breaker('opossum fire()')).toFixed(0)} ns, the counter breaker ${median(breaker('counter breaker')).toFixed(0)} ns`);
  ours.shutdown();
  opossum.shutdown();
}

await main();
