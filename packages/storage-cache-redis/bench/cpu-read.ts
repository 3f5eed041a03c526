// Client CPU per read (process.cpuUsage, best of 3), raw node-redis GET vs RedisCacheStore.get vs an
// eventual read through the facade served by Redis, at c=1 and c=64. CPU time tells where client
// time goes on a shared, busy machine where throughput ratios are noisy; read-path.ts gives the ratios.
// Run: node --conditions=@sanctum/source --import tsx bench/cpu-read.ts (N=20000 reads per window).
import { randomUUID } from 'node:crypto';
import { createClient, RESP_TYPES } from 'redis';
import { createStorageClient, type AdapterFactory } from '@sanctum/storage-core';
import { createMemoryRecordStore } from '@sanctum/storage-core/spi';
import { resolveService } from '@sanctum/test-services';
import { createRedisCacheStore, redisCache } from '../src/index.js';
const value = { id: 'u-42', name: 'Ada Lovelace', bio: 'x'.repeat(900), tags: ['a', 'b', 'c'], active: true, score: 0.75 };
const { url } = await resolveService('redis');
const prefix = `bench:cpu:${randomUUID()}:`;
const recs = createMemoryRecordStore();
const rf: AdapterFactory = { kind: 'record', name: 'bench-records', optionsSchema: { '~standard': { version: 1, vendor: 'bench', validate: (v: unknown) => ({ value: v }) } }, create: () => recs };
const users = createStorageClient({ schemaVersion: 1, adapters: { records: { use: 'bench-records' } },
  caches: { shared: { use: 'redis', options: { url, keyPrefix: prefix } } },
  namespaces: { users: { kind: 'record', adapter: 'records', cache: 'shared', consistency: 'eventual', cacheTtlMs: 600_000 } } }, { adapters: [rf, redisCache()] }).records('users');
await users.put('u1', value as never); await users.get('u1');
const raw = createClient({ url, commandOptions: { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } }); await raw.connect();
const store = createRedisCacheStore({ url, keyPrefix: prefix }); await store.open();
const physical = `${prefix}users\u0000u1`;
const sides: Record<string, () => Promise<unknown>> = { raw: () => raw.get(physical), store: () => store.get('users\u0000u1'), facade: () => users.get('u1') };
const N = Number(process.env['N'] ?? 20000);
async function run(op: () => Promise<unknown>, c: number) { let next = 0; const cpu = process.cpuUsage(); const t = performance.now();
  await Promise.all(Array.from({ length: c }, async () => { for (; next < N; next++) await op(); }));
  const u = process.cpuUsage(cpu); return { cpu: (u.user + u.system) / N, rate: N / ((performance.now() - t) / 1000) }; }
for (const c of [1, 64]) { for (const s of Object.keys(sides)) await run(sides[s]!, c);
  const out: string[] = []; for (const s of Object.keys(sides)) { const r = [await run(sides[s]!, c), await run(sides[s]!, c), await run(sides[s]!, c)].sort((a, b) => a.cpu - b.cpu)[0]!; out.push(`${s} ${r.cpu.toFixed(1)} µs (${r.rate.toFixed(0)}/s)`); }
  console.log(`c=${c} CPU/op best of 3: ${out.join(' | ')}`); }
await store.close(); await raw.close(); process.exit(0);
