// Read path of the Redis cache, interleaved rounds in one run, median of per-round ratios:
//  1. an eventual read served by Redis through the facade vs a raw node-redis GET of the same
//     bytes, at c=1 and c=64 (ratio = our ops/s ÷ raw ops/s; the target is >= 0.9);
//  2. an L1 hit (store alone, and through the facade) vs cache-manager 7 `get` on the same 1 KiB
//     value (the target is >= 1).
// Run (on the rig): pnpm --filter @sanctum/storage-cache-redis bench
import { randomUUID } from 'node:crypto';
import { createClient, RESP_TYPES } from 'redis';
import { createCache } from 'cache-manager';
import { createStorageClient, type AdapterFactory } from '@sanctum/storage-core';
import { createMemoryRecordStore } from '@sanctum/storage-core/spi';
import { resolveService } from '@sanctum/test-services';
import { createRedisCacheStore, redisCache } from '../src/index.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const WINDOW_MS = Number(process.env['BENCH_WINDOW_MS'] ?? 600);
const value = { id: 'u-42', name: 'Ada Lovelace', bio: 'x'.repeat(900), tags: ['a', 'b', 'c'], active: true, score: 0.75 };

const { url } = await resolveService('redis');
const prefix = `bench:cache-redis:${randomUUID()}:`;

function recordsFactory(): AdapterFactory {
  const store = createMemoryRecordStore();
  return { kind: 'record', name: 'bench-records', optionsSchema: { '~standard': { version: 1, vendor: 'bench', validate: (v: unknown) => ({ value: v }) } }, create: () => store };
}
function facade(l1: boolean, reuseDecoded?: number) {
  return createStorageClient(
    {
      schemaVersion: 1,
      adapters: { records: { use: 'bench-records' } },
      caches: { shared: { use: 'redis', options: { url, keyPrefix: prefix + (l1 ? 'l1:' : 'l2:'), ...(l1 ? { l1: { maxEntries: 1_000 } } : {}), ...(reuseDecoded === undefined ? {} : { reuseDecoded }) } } },
      namespaces: { users: { kind: 'record', adapter: 'records', cache: 'shared', consistency: 'eventual', cacheTtlMs: 600_000 } },
    },
    { adapters: [recordsFactory(), redisCache()] },
  ).records<typeof value>('users');
}

/** Ops/s of `op` run by `concurrency` loops for WINDOW_MS. */
async function opsPerSecond(op: (loop: number) => Promise<unknown>, concurrency: number): Promise<number> {
  let ops = 0;
  const end = performance.now() + WINDOW_MS;
  const loop = async (_: unknown, index: number) => {
    while (performance.now() < end) {
      await op(index);
      ops++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  return (ops * 1000) / (performance.now() - start);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Interleaved rounds of `ours` and `theirs` (order alternating); prints medians and the ratio. */
async function compare(label: string, ours: (loop: number) => Promise<unknown>, theirs: (loop: number) => Promise<unknown>, concurrency: number): Promise<number> {
  await opsPerSecond(ours, concurrency);
  await opsPerSecond(theirs, concurrency);
  const ratios: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const first = r % 2 === 0;
    const x = first ? await opsPerSecond(ours, concurrency) : 0;
    const y = await opsPerSecond(theirs, concurrency);
    const z = first ? x : await opsPerSecond(ours, concurrency);
    a.push(z);
    b.push(y);
    ratios.push(z / y);
  }
  const ratio = median(ratios);
  console.log(`${label.padEnd(62)} ours ${Math.round(median(a)).toString().padStart(8)}/s  peer ${Math.round(median(b)).toString().padStart(8)}/s  ratio ${ratio.toFixed(2)}`);
  return ratio;
}

console.log(`node ${process.version}, ${ROUNDS} rounds x ${WINDOW_MS} ms windows, 1 KiB record\n`);

// 1. Redis-served eventual reads vs raw GET of the same bytes.
const raw = createClient({ url, commandOptions: { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } });
await raw.connect();
const users = facade(false);
await users.put('u1', value);
await users.get('u1'); // fills Redis (our own tombstone does not fence our own fill)
const physical = `${prefix}l2:users\u0000u1`;
if ((await raw.get(physical)) === null) throw new Error('the facade did not fill Redis');
const rawGet = () => raw.get(physical);
const ourGet = () => users.get('u1');
const l2Store = createRedisCacheStore({ url, keyPrefix: `${prefix}l2:` });
await l2Store.open();
const storeGet = () => l2Store.get('users\u0000u1');
await compare('Redis hit, RedisCacheStore.get vs raw GET, c=1', storeGet, rawGet, 1);
await compare('Redis hit, RedisCacheStore.get vs raw GET, c=64', storeGet, rawGet, 64);
const c1 = await compare('eventual read served by Redis, facade vs raw GET, c=1', ourGet, rawGet, 1);
const c64 = await compare('eventual read served by Redis, facade vs raw GET, c=64', ourGet, rawGet, 64);
// Every reply decoded (reuseDecoded 0): the cost when the bytes differ from the last read's.
const decodeAll = facade(false, 0);
const c1decodeAll = await compare('same, c=1, reuseDecoded 0 (every reply decoded)', () => decodeAll.get('u1'), rawGet, 1);
// The same with every loop on a key of its own (no two reads of one key share a decode).
const distinct = Array.from({ length: 64 }, (_, i) => `d${String(i)}`);
for (const key of distinct) {
  await users.put(key, value);
  await users.get(key);
}
const c64distinct = await compare(
  'eventual read served by Redis, 64 keys, facade vs raw GET, c=64',
  (loop) => users.get(distinct[loop]!),
  (loop) => raw.get(`${prefix}l2:users\u0000${distinct[loop]!}`),
  64,
);

// 2. L1 hits vs cache-manager 7 get (its default in-memory Keyv store).
const manager = createCache({ ttl: 600_000 });
await manager.set('u1', value);
const store = createRedisCacheStore({ url, keyPrefix: `${prefix}store:`, l1: { maxEntries: 1_000 } });
await store.open();
await store.set('users\u0000u1', { value, version: 1, etag: 'e1', storedAt: Date.now() }, 600_000);
const viaL1 = facade(true);
await viaL1.put('u1', value);
await viaL1.get('u1');
const managerGet = () => manager.get('u1');
const l1Store = await compare('L1 hit, RedisCacheStore.get vs cache-manager 7 get, c=1', () => store.get('users\u0000u1'), managerGet, 1);
const l1Facade = await compare('L1 hit through the facade vs cache-manager 7 get, c=1', () => viaL1.get('u1'), managerGet, 1);

console.log(`\nratios: redis c=1 ${c1.toFixed(2)} (every reply decoded ${c1decodeAll.toFixed(2)}), c=64 ${c64.toFixed(2)}, c=64 distinct keys ${c64distinct.toFixed(2)}; L1 store ${l1Store.toFixed(2)}, L1 facade ${l1Facade.toFixed(2)}`);
await store.clear();
await store.close();
await l2Store.close();
await raw.close();
process.exit(0);
