/**
 * The PostgreSQL record adapter through the facade (and on its own) vs the same statements through
 * raw postgres.js, same process, interleaved rounds (the order alternates per round). Two operations: get by key,
 * and conditional put (ifMatch with the key's current ETag). Concurrency 1 and 32, both sides with
 * a pool of POOL connections. Reports ops/s and the facade/raw ratio (median of per-round ratios).
 *
 * A second, sustained phase runs get-by-key at c=32 for SUSTAINED_S seconds per side and prints
 * ops/s per second: raw postgres.js with more queries in flight than connections slows down as it
 * runs (its busy-connection queue grows), which short rounds hide; the adapter schedules
 * statements over single-connection instances itself (at most poolSize × pipelineDepth in
 * flight) and holds its rate.
 *
 * Run: pnpm bench (needs the PostgreSQL of `pnpm services:up`, or STORAGE_TEST_POSTGRES_URL).
 * Knobs: BENCH_ROUNDS (7), BENCH_OPS (4000), BENCH_POOL (10), BENCH_SUSTAINED_S (8; 0 skips).
 */
import postgresJs from 'postgres';
import { createStorageClient } from '@sanctum/storage-core';
import { resolveService } from '@sanctum/test-services';
import { createPostgresRecordStore, migrateUp, postgres } from '../src/index.js';
import { compileStatements } from '../src/sql/statements.js';
import { objectNames } from '../src/names.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const OPS = Number(process.env['BENCH_OPS'] ?? 4_000);
const POOL = Number(process.env['BENCH_POOL'] ?? 10);
const SUSTAINED_S = Number(process.env['BENCH_SUSTAINED_S'] ?? 8);
const KEYS = 1_000;
const value = { name: 'Ada', email: 'ada@example.com', tags: ['a', 'b'], n: 42 };

type Op = (worker: number, i: number) => Promise<unknown>;
type Side = 'raw' | 'adapter' | 'facade';
const SIDES: readonly Side[] = ['raw', 'adapter', 'facade'];

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** ops/s in each second of `seconds` of `op` run back to back by `concurrency` workers. */
async function sustained(op: Op, concurrency: number, seconds: number): Promise<number[]> {
  let stop = false;
  let count = 0;
  const perSecond: number[] = [];
  const tick = setInterval(() => {
    perSecond.push(count);
    count = 0;
  }, 1000);
  const end = setTimeout(() => (stop = true), seconds * 1000 + 50);
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = worker; !stop; i += concurrency) {
        await op(worker, i);
        count += 1;
      }
    }),
  );
  clearInterval(tick);
  clearTimeout(end);
  return perSecond.slice(0, seconds);
}

/** ops/s of `op` run OPS times by `concurrency` workers. */
async function measure(op: Op, concurrency: number): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = next++; i < OPS; i = next++) await op(worker, i);
    }),
  );
  return OPS / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function main(): Promise<void> {
  const { url } = await resolveService('postgres');
  const schema = `sanctum_bench_${String(process.pid)}`;
  await migrateUp({ url, schema });
  const statements = compileStatements(objectNames(schema, 'records'));

  const raw = postgresJs(url, {
    max: POOL,
    fetch_types: false,
    onnotice: () => undefined,
    types: { int8: { to: 20, from: [20], serialize: String, parse: Number } },
  });
  const client = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { pg: { use: 'postgres', options: { url, schema, poolSize: POOL } } },
      namespaces: { bench: { kind: 'record', adapter: 'pg' } },
    },
    { adapters: [postgres()] },
  );
  const records = client.records<typeof value>('bench');
  // The adapter on its own (no facade layers), to show where the time goes.
  const store = createPostgresRecordStore({ url, schema, poolSize: POOL });
  await store.open!();
  const key = (i: number) => `user-${String(i % KEYS)}`;

  try {
    // Seed: the facade writes the keys the get benchmark reads; each conditional-put key is owned by
    // one worker (so every ifMatch is current) and has one key per side.
    for (let k = 0; k < KEYS; k += 1) await records.put(key(k), value);
    const etags = { raw: new Map<string, string>(), adapter: new Map<string, string>(), facade: new Map<string, string>() };
    for (let w = 0; w < 32; w += 1) {
      for (const side of ['raw', 'adapter', 'facade'] as const) {
        const written = await records.put(`cas-${side}-${String(w)}`, value);
        etags[side].set(`cas-${side}-${String(w)}`, written.etag);
      }
    }
    const json = JSON.stringify(value);
    const cases: Record<string, Record<Side, Op>> = {
      'get by key': {
        raw: (_, i) => raw.unsafe(statements.get.text, statements.get.bind({ namespace: 'bench', key: key(i) }) as never[], { prepare: true }),
        adapter: (_, i) => store.get({ namespace: 'bench', key: key(i) }),
        facade: (_, i) => records.get(key(i)),
      },
      'conditional put': {
        raw: async (worker) => {
          const k = `cas-raw-${String(worker)}`;
          const args = { namespace: 'bench', key: k, value: json, ttl: null, ifMatch: etags.raw.get(k)! };
          const rows = await raw.unsafe<Array<{ etag: string }>>(statements.putMatch.text, statements.putMatch.bind(args) as never[], { prepare: true });
          etags.raw.set(k, rows[0]!.etag);
        },
        adapter: async (worker) => {
          const k = `cas-adapter-${String(worker)}`;
          const written = await store.put({ namespace: 'bench', key: k, value, ifMatch: etags.adapter.get(k)! });
          etags.adapter.set(k, written.etag);
        },
        facade: async (worker) => {
          const k = `cas-facade-${String(worker)}`;
          const written = await records.put(k, value, { ifMatch: etags.facade.get(k)! });
          etags.facade.set(k, written.etag);
        },
      },
    };

    const version = (await raw<Array<{ v: string }>>`select current_setting('server_version') as v`)[0]!.v;
    console.log(`postgres adapter (default pipelineDepth 4) vs raw postgres.js: ${String(ROUNDS)} interleaved rounds × ${String(OPS)} ops, pool ${String(POOL)}, node ${process.version}, PostgreSQL ${version}`);
    for (const concurrency of [1, 32]) {
      for (const [name, runs] of Object.entries(cases)) {
        for (const side of SIDES) await measure(runs[side], concurrency); // warm-up: prepared statements everywhere
        const rates: Record<Side, number[]> = { raw: [], adapter: [], facade: [] };
        for (let round = 0; round < ROUNDS; round += 1) {
          const order = round % 2 === 0 ? SIDES : [...SIDES].reverse();
          for (const side of order) rates[side].push(await measure(runs[side], concurrency));
        }
        const ratio = (side: Side) => median(rates[side].map((rate, round) => rate / rates.raw[round]!));
        console.log(
          `c=${String(concurrency).padEnd(2)} ${name.padEnd(15)} raw ${median(rates.raw).toFixed(0).padStart(6)} ops/s | adapter ${median(rates.adapter).toFixed(0).padStart(6)} ops/s, ${ratio('adapter').toFixed(2)}× | facade ${median(rates.facade).toFixed(0).padStart(6)} ops/s, ratio ${ratio('facade').toFixed(2)}× (per-round: ${rates.facade.map((rate, round) => (rate / rates.raw[round]!).toFixed(2)).join(' ')})`,
        );
      }
    }
    if (SUSTAINED_S > 0) {
      console.log(`sustained c=32 get by key, ${String(SUSTAINED_S)} s per side, ops/s in each second:`);
      for (const side of ['raw', 'facade'] as const) {
        const perSecond = await sustained(cases['get by key']![side], 32, SUSTAINED_S);
        console.log(`  ${side.padEnd(6)} ${perSecond.map((n) => String(n).padStart(6)).join(' ')} | median ${median(perSecond).toFixed(0)}, last ${String(perSecond.at(-1))}`);
      }
    }
  } finally {
    await store.close!();
    await client.close();
    await raw.unsafe(`drop schema if exists "${schema}" cascade`);
    await raw.end();
  }
}

await main();
