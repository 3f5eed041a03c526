/**
 * Issue 14's record figure: put through the facade on an encrypted namespace (a data key per
 * record, and with `dataKeyCache`) vs the same namespace unencrypted, at c=32, PostgreSQL adapter, interleaved rounds in alternating order,
 * median of per-round ratios encrypted / plain. Also get (decrypt) for context.
 * Run under the bench lock: node --conditions=@sanctum/source --import tsx bench/encryption.ts
 * (BENCH_ROUNDS, BENCH_OPS, VARIANTS=plain,cached to narrow it; add --cpu-prof for a profile).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createStorageClient, localKeyring } from '@sanctum/storage-core';
import { resolveService } from '@sanctum/test-services';
import postgresJs from 'postgres';
import { migrateUp, postgresRecords } from '../src/index.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 9);
const OPS = Number(process.env['BENCH_OPS'] ?? 4000);
const CONCURRENCY = 32;
const POOL = 10;
const value = { name: 'Ada Lovelace', email: 'ada@example.org', plan: 'pro', tags: ['a', 'b', 'c'], visits: 42, address: { city: 'London', zip: 'NW1' } };

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Ops per second, and client CPU µs per op (process.cpuUsage: user + system). */
async function measure(op: (i: number) => Promise<unknown>): Promise<{ rate: number; cpu: number }> {
  let next = 0;
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < OPS; i = next++) await op(i);
    }),
  );
  const used = process.cpuUsage(cpu);
  return { rate: OPS / (Number(process.hrtime.bigint() - start) / 1e9), cpu: (used.user + used.system) / OPS };
}

const { url } = await resolveService('postgres');
const schema = `sanctum_bench_enc_${String(process.pid)}`;
await migrateUp({ url, schema });
const client = createStorageClient(
  {
    schemaVersion: 1,
    adapters: { pg: { use: 'postgres', options: { url, schema, poolSize: POOL } } },
    namespaces: {
      plain: { kind: 'record', adapter: 'pg' },
      encrypted: { kind: 'record', adapter: 'pg', encryption: { keyId: 'bench' } },
      cached: { kind: 'record', adapter: 'pg', encryption: { keyId: 'bench', dataKeyCache: {} } },
    },
  },
  { adapters: [postgresRecords()], keys: localKeyring({ keys: { bench: randomBytes(32) } }) },
);
const ALL = ['plain', 'encrypted', 'cached'] as const;
type Name = (typeof ALL)[number];
// VARIANTS=plain,cached narrows a run (e.g. for a --cpu-prof of one path); ratios need plain.
const NAMES: readonly Name[] = process.env['VARIANTS'] === undefined ? ALL : ALL.filter((name) => process.env['VARIANTS']!.split(',').includes(name));
const empty = (): Record<Name, number[]> => ({ plain: [], encrypted: [], cached: [] });
const got = { put: empty(), get: empty() };
const cpu = { put: empty(), get: empty() };
try {
  for (let round = 0; round <= ROUNDS; round += 1) {
    const order: readonly Name[] = round % 2 === 0 ? NAMES : [...NAMES].reverse();
    for (const name of order) {
      const records = client.records(name);
      const put = await measure((i) => records.put(`k-${String(i % 1000)}`, value));
      const get = await measure((i) => records.get(`k-${String(i % 1000)}`));
      if (round > 0) {
        got.put[name].push(put.rate);
        got.get[name].push(get.rate);
        cpu.put[name].push(put.cpu);
        cpu.get[name].push(get.cpu);
      }
    }
  }
  console.log(`records on PostgreSQL, c=${String(CONCURRENCY)}, pool ${String(POOL)}, ${String(OPS)} ops per round, ${String(ROUNDS)} rounds, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  for (const op of ['put', 'get'] as const) {
    console.log(`${op.padEnd(4)} client CPU µs/op (median): ${NAMES.map((name) => `${name} ${median(cpu[op][name]).toFixed(0)}`).join('  ')}`);
    for (const variant of (['encrypted', 'cached'] as const).filter((name) => NAMES.includes(name) && NAMES.includes('plain'))) {
      const ratios = got[op][variant].map((v, i) => v / got[op].plain[i]!);
      const label = variant === 'cached' ? 'encrypted, dataKeyCache' : 'encrypted, key per record';
      console.log(`${op.padEnd(4)} plain ${median(got[op].plain).toFixed(0).padStart(6)} ops/s  ${label} ${median(got[op][variant]).toFixed(0).padStart(6)} ops/s  ratio ${median(ratios).toFixed(2)}   per-round ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
    }
  }
} finally {
  await client.close();
  const admin = postgresJs(url, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`drop schema if exists "${schema}" cascade`);
  await admin.end({ timeout: 5 });
}
