/**
 * Client CPU per operation, facade vs the adapter alone vs raw postgres.js, for get / put /
 * conditional put at c=1 and c=32: `node --conditions=@sanctum/source --import tsx
 * bench/profile-put.ts` (under the heavy-job lock; add `--cpu-prof` for a profile, MODE and C to
 * narrow it, SIDES for one side's profile). CPU time (process.cpuUsage) is far less sensitive to a shared, busy server than
 * throughput, so it tells where client time goes; the throughput ratios are bench/get-put.ts's job.
 */
import postgresJs from 'postgres';
import { createStorageClient } from '@sanctum/storage-core';
import { resolveService } from '@sanctum/test-services';
import { createPostgresRecordStore, migrateUp, postgresRecords } from '../src/index.js';
import { objectNames } from '../src/names.js';
import { compileStatements } from '../src/sql/statements.js';

const N = Number(process.env['N'] ?? 6000);
const MODES = (process.env['MODE'] ?? 'get,put,cas').split(',');
const CONCURRENCY = (process.env['C'] ?? '1,32').split(',').map(Number);
const SIDES = process.env['SIDES']?.split(','); // e.g. SIDES=facade to profile one side alone
const { url } = await resolveService('postgres');
const schema = `sanctum_cprof_${String(process.pid)}`;
await migrateUp({ url, schema });
const statements = compileStatements(objectNames(schema, 'records'));
const client = createStorageClient(
  { schemaVersion: 1, adapters: { pg: { use: 'postgres', options: { url, schema, poolSize: 10 } } }, namespaces: { bench: { kind: 'record', adapter: 'pg' } } },
  { adapters: [postgresRecords()] },
);
const records = client.records('bench');
const store = createPostgresRecordStore({ url, schema, poolSize: 10 });
await store.open!();
const raw = postgresJs(url, { max: 10, fetch_types: false, onnotice: () => undefined, types: { int8: { to: 20, from: [20], serialize: String, parse: Number } } });
const value = { name: 'Ada', email: 'ada@example.com', tags: ['a', 'b'], n: 42 };
const etags = new Map<string, string>();
// Gets read keys that exist (`records.get` fails with NOT_FOUND otherwise); puts overwrite them.
for (let w = 0; w < 32; w += 1) for (const side of ['raw', 'adapter', 'facade']) await records.put(`${side}-${String(w)}`, value);
// Conditional puts own their keys (`cas-…`): plain puts elsewhere would move their ETags.
for (let w = 0; w < 32; w += 1) for (const side of ['raw', 'adapter', 'facade']) etags.set(`cas-${side}-${String(w)}`, (await records.put(`cas-${side}-${String(w)}`, value)).etag);

type Op = (worker: number) => Promise<unknown>;
const ops: Record<string, Record<string, Op>> = {
  get: {
    raw: (w) => raw.unsafe(statements.get.text, statements.get.bind({ namespace: 'bench', key: `raw-${String(w)}` }) as never[], { prepare: true }),
    adapter: (w) => store.get({ namespace: 'bench', key: `adapter-${String(w)}` }),
    facade: (w) => records.get(`facade-${String(w)}`),
  },
  put: {
    raw: (w) => raw.unsafe(statements.put.text, statements.put.bind({ namespace: 'bench', key: `raw-${String(w)}`, value: JSON.stringify(value), ttl: null }) as never[], { prepare: true }),
    adapter: (w) => store.put({ namespace: 'bench', key: `adapter-${String(w)}`, value }),
    facade: (w) => records.put(`facade-${String(w)}`, value),
  },
  cas: {
    raw: async (w) => {
      const key = `cas-raw-${String(w)}`;
      const args = { namespace: 'bench', key, value: JSON.stringify(value), ttl: null, ifMatch: etags.get(key)! };
      const rows = await raw.unsafe<Array<{ etag: string }>>(statements.putMatch.text, statements.putMatch.bind(args) as never[], { prepare: true });
      etags.set(key, rows[0]!.etag);
    },
    adapter: async (w) => {
      const key = `cas-adapter-${String(w)}`;
      etags.set(key, (await store.put({ namespace: 'bench', key, value, ifMatch: etags.get(key)! })).etag);
    },
    facade: async (w) => {
      const key = `cas-facade-${String(w)}`;
      etags.set(key, (await records.put(key, value, { ifMatch: etags.get(key)! })).etag);
    },
  },
};

async function run(op: Op, concurrency: number): Promise<{ rate: number; cpuUs: number }> {
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => { for (; next < N; next += 1) await op(w); }));
  const used = process.cpuUsage(cpu);
  return { rate: N / ((performance.now() - started) / 1000), cpuUs: (used.user + used.system) / N };
}

for (const concurrency of CONCURRENCY) {
  for (const mode of MODES) {
    const cases = Object.fromEntries(Object.entries(ops[mode]!).filter(([side]) => SIDES === undefined || SIDES.includes(side)));
    for (const side of Object.keys(cases)) await run(cases[side]!, concurrency); // warm-up
    const results: string[] = [];
    for (const side of Object.keys(cases)) {
      const cpu: number[] = [];
      for (let round = 0; round < 3; round += 1) cpu.push((await run(cases[side]!, concurrency)).cpuUs);
      results.push(`${side} ${Math.min(...cpu).toFixed(1)} µs`);
    }
    console.log(`c=${String(concurrency).padEnd(2)} ${mode.padEnd(4)} client CPU/op (best of 3): ${results.join(' | ')}`);
  }
}
await store.close!();
await client.close();
await raw.unsafe(`drop schema if exists "${schema}" cascade`);
await raw.end();
