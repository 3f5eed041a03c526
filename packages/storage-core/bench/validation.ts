/**
 * Cost of the strict-JSON check that serializes a record value once, against what it replaced
 * (the validate layer and the adapter each calling JSON.stringify) and against one bare
 * JSON.stringify. Interleaved rounds in one run; ns/op and the median of per-round ratios.
 * Run: node --conditions=@sanctum/source --import tsx bench/validation.ts
 */
import { serializeJson } from '../src/validation/index.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 9);
const OPS = Number(process.env['BENCH_OPS'] ?? 100_000);
const where = { operation: 'records.put', namespace: 'bench' };

const small = { name: 'Ada', email: 'ada@example.com', tags: ['a', 'b'], n: 42 };
const kib = {
  id: 'user-0001',
  profile: { name: 'Ada Lovelace', bio: 'x'.repeat(400), links: Array.from({ length: 8 }, (_, i) => `https://example.com/${String(i)}`) },
  scores: Array.from({ length: 40 }, (_, i) => i * 1.5),
  flags: { admin: false, beta: true, locale: 'en-GB' },
};
const wide = { rows: Array.from({ length: 500 }, (_, i) => ({ id: i, label: `row-${String(i)}`, on: i % 2 === 0, v: [i, i + 1] })) };

let sink = 0;
const runs = {
  'stringify twice (before)': (v: unknown) => {
    sink += JSON.stringify(v).length;
    sink += JSON.stringify(v).length;
  },
  'serializeJson (now)': (v: unknown) => {
    sink += serializeJson(v, where, { maxBytes: 4 * 1024 * 1024 }).length;
  },
  'stringify once (floor)': (v: unknown) => {
    sink += JSON.stringify(v).length;
  },
} as const;

function time(run: (v: unknown) => void, value: unknown, ops: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) run(value);
  return Number(process.hrtime.bigint() - start) / ops;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`strict-JSON serialization: ${String(ROUNDS)} interleaved rounds, node ${process.version}`);
for (const [label, value, ops] of [
  [`small (${String(JSON.stringify(small).length)} B)`, small, OPS],
  [`1 KiB (${String(JSON.stringify(kib).length)} B)`, kib, OPS / 4],
  [`wide (${String(JSON.stringify(wide).length)} B, 500 objects)`, wide, OPS / 100],
] as const) {
  for (const run of Object.values(runs)) time(run, value, ops); // warm-up
  const ns: Record<string, number[]> = {};
  const ratioBefore: number[] = [];
  const ratioFloor: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const r: Record<string, number> = {};
    for (const [name, run] of Object.entries(runs)) (ns[name] ??= []).push((r[name] = time(run, value, ops)));
    ratioBefore.push(r['serializeJson (now)']! / r['stringify twice (before)']!);
    ratioFloor.push(r['serializeJson (now)']! / r['stringify once (floor)']!);
  }
  const cells = Object.entries(ns).map(([name, xs]) => `${name} ${median(xs).toFixed(0)} ns`);
  console.log(`${label}: ${cells.join(' | ')} | now/before ${median(ratioBefore).toFixed(2)}× | now/floor ${median(ratioFloor).toFixed(2)}×`);
}
if (sink === 0) console.log('');
