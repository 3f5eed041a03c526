/**
 * The PostgreSQL record adapter through the facade (and on its own) vs the same statements on raw
 * postgres.js. Three operations: get by key, put, and conditional put (ifMatch with the key's
 * current ETag), each at concurrency 1 and 32, pool POOL on every side.
 *
 * Fair to raw postgres.js: every measurement window gets a FRESH raw client (created, connected and
 * warmed before the clock starts, ended after): its best case, because a long-lived postgres.js pool
 * slows down as its busy-connection queue grows. The raw side serializes the value per put, as any
 * caller must. Rounds are interleaved (the order alternates per round) in one process; the ratio is
 * the median of the per-round ratios facade/raw.
 *
 * Run: pnpm bench (needs the PostgreSQL of `pnpm services:up`, or STORAGE_TEST_POSTGRES_URL).
 * Knobs: BENCH_ROUNDS (7), BENCH_OPS (3000), BENCH_POOL (10), BENCH_ONLY (a case name substring).
 */
import postgresJs from 'postgres';
import { createStorageClient } from '@sanctum/storage-core';
import { resolveService } from '@sanctum/test-services';
import { createPostgresRecordStore, migrateUp, postgresRecords } from '../src/index.js';
import { compileStatements } from '../src/sql/statements.js';
import { objectNames } from '../src/names.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const OPS = Number(process.env['BENCH_OPS'] ?? 3_000);
const POOL = Number(process.env['BENCH_POOL'] ?? 10);
const ONLY = process.env['BENCH_ONLY'];
const KEYS = 1_000;
const value = { name: 'Ada', email: 'ada@example.com', tags: ['a', 'b'], n: 42 };

type Raw = ReturnType<typeof postgresJs>;
type Op = (worker: number, i: number) => Promise<unknown>;
type Side = 'raw' | 'adapter' | 'facade';
const SIDES: readonly Side[] = ['raw', 'adapter', 'facade'];

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** ops/s of `op` run `count` times by `concurrency` workers. */
async function measure(op: Op, concurrency: number, count = OPS): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = next++; i < count; i = next++) await op(worker, i);
    }),
  );
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function main(): Promise<void> {
  const { url } = await resolveService('postgres');
  const schema = `sanctum_bench_${String(process.pid)}`;
  await migrateUp({ url, schema });
  const statements = compileStatements(objectNames(schema, 'records'));
  const freshRaw = (): Raw =>
    postgresJs(url, {
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
    { adapters: [postgresRecords()] },
  );
  const records = client.records<typeof value>('bench');
  // The adapter on its own (no facade layers), to show where the time goes.
  const store = createPostgresRecordStore({ url, schema, poolSize: POOL });
  await store.open!();
  const key = (i: number) => `user-${String(i % KEYS)}`;
  let raw: Raw = freshRaw();

  try {
    // Seed: the keys the get benchmark reads; each conditional-put key is owned by one worker (so
    // every ifMatch is current) and has one key per side.
    for (let k = 0; k < KEYS; k += 1) await records.put(key(k), value);
    const etags = { raw: new Map<string, string>(), adapter: new Map<string, string>(), facade: new Map<string, string>() };
    for (let w = 0; w < 32; w += 1) {
      for (const side of SIDES) {
        const written = await records.put(`cas-${side}-${String(w)}`, value);
        etags[side].set(`cas-${side}-${String(w)}`, written.etag);
      }
    }
    const put = (side: Side, worker: number) => `put-${side}-${String(worker)}`;
    const cases: Record<string, Record<Side, Op>> = {
      get: {
        raw: (_, i) => raw.unsafe(statements.get.text, statements.get.bind({ namespace: 'bench', key: key(i) }) as never[], { prepare: true }),
        adapter: (_, i) => store.get({ namespace: 'bench', key: key(i) }),
        facade: (_, i) => records.get(key(i)),
      },
      put: {
        raw: (worker) => {
          const args = { namespace: 'bench', key: put('raw', worker), value: JSON.stringify(value), ttl: null };
          return raw.unsafe(statements.put.text, statements.put.bind(args) as never[], { prepare: true });
        },
        adapter: (worker) => store.put({ namespace: 'bench', key: put('adapter', worker), value }),
        facade: (worker) => records.put(put('facade', worker), value),
      },
      'conditional put': {
        raw: async (worker) => {
          const k = `cas-raw-${String(worker)}`;
          const args = { namespace: 'bench', key: k, value: JSON.stringify(value), ttl: null, ifMatch: etags.raw.get(k)! };
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

    /** One window: raw gets a fresh, connected and warmed client first. */
    const window = async (side: Side, op: Op, concurrency: number): Promise<number> => {
      if (side === 'raw') {
        await raw.end();
        raw = freshRaw();
        await measure(op, concurrency, Math.max(POOL * 4, concurrency * 4)); // connect + prepare on every connection
      }
      return measure(op, concurrency);
    };

    const version = (await raw<Array<{ v: string }>>`select current_setting('server_version') as v`)[0]!.v;
    console.log(
      `postgres adapter vs raw postgres.js (fresh client per window): ${String(ROUNDS)} interleaved rounds × ${String(OPS)} ops, pool ${String(POOL)}, node ${process.version}, PostgreSQL ${version}`,
    );
    for (const concurrency of [1, 32]) {
      for (const [name, runs] of Object.entries(cases)) {
        if (ONLY !== undefined && !name.includes(ONLY)) continue;
        for (const side of SIDES) await window(side, runs[side], concurrency); // warm-up
        const rates: Record<Side, number[]> = { raw: [], adapter: [], facade: [] };
        for (let round = 0; round < ROUNDS; round += 1) {
          const order = round % 2 === 0 ? SIDES : [...SIDES].reverse();
          for (const side of order) rates[side].push(await window(side, runs[side], concurrency));
        }
        const ratio = (side: Side) => median(rates[side].map((rate, round) => rate / rates.raw[round]!));
        console.log(
          `c=${String(concurrency).padEnd(2)} ${name.padEnd(15)} raw ${median(rates.raw).toFixed(0).padStart(6)} ops/s | adapter ${median(rates.adapter).toFixed(0).padStart(6)} ops/s, ${ratio('adapter').toFixed(2)}× | facade ${median(rates.facade).toFixed(0).padStart(6)} ops/s, ${ratio('facade').toFixed(2)}× (per-round: ${rates.facade.map((rate, round) => (rate / rates.raw[round]!).toFixed(2)).join(' ')})`,
        );
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
