/**
 * A memory-cache hit through the facade vs cache-manager 7 `get` (over Keyv's in-memory Map) on the
 * same 1 KiB values, interleaved rounds in one run; reports the median of per-round throughput
 * ratios. Also times the same facade hit plus a deep copy of the value, the cost the frozen-value
 * design avoids (ADR-001). Run: pnpm --filter @sanctum/storage-cache-memory bench:hit
 */
import { createCache } from 'cache-manager';
import { createStorageClient } from '@sanctum/storage-core';
import { cloneValue } from '../src/clone.js';
import { memoryCache } from '../src/index.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 9);
const OPS = Number(process.env['BENCH_OPS'] ?? 50_000);
const KEYS = 1_000;

/** A JSON object of about 1 KiB serialized. */
function kibValue(i: number): Record<string, unknown> {
  const value = { id: i, name: `user ${i}`, email: `user${i}@example.test`, roles: ['reader', 'writer'], bio: '' };
  value.bio = 'x'.repeat(1024 - JSON.stringify(value).length);
  return value;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(run: (i: number) => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < OPS; i++) await run(i % KEYS);
  return Number(process.hrtime.bigint() - start) / OPS;
}

async function main(): Promise<void> {
  const client = createStorageClient(
    {
      schemaVersion: 1,
      caches: { hot: { use: 'memory', options: { maxEntries: 10_000, ttlMs: 600_000 } } },
      namespaces: { users: { kind: 'record', cache: 'hot', consistency: 'eventual', cacheTtlMs: 600_000 } },
    },
    { adapters: [memoryCache()] },
  );
  const users = client.records('users');
  const manager = createCache({ ttl: 600_000 });
  const keys = Array.from({ length: KEYS }, (_, i) => `tenant-1/user-${i}`);
  for (const [i, key] of keys.entries()) {
    await users.put(key, kibValue(i) as never);
    await users.get(key); // fill
    await manager.set(key, kibValue(i));
  }
  const runs = {
    manager: (i: number) => manager.get(keys[i]!),
    facade: (i: number) => users.get(keys[i]!),
    facadeClone: async (i: number) => cloneValue((await users.get(keys[i]!)).value),
  };
  for (const run of Object.values(runs)) await time(run); // warm-up
  const ns: Record<keyof typeof runs, number[]> = { manager: [], facade: [], facadeClone: [] };
  const ratios: number[] = [];
  const cloneRatios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const m = await time(runs.manager);
    const f = await time(runs.facade);
    const c = await time(runs.facadeClone);
    ns.manager.push(m);
    ns.facade.push(f);
    ns.facadeClone.push(c);
    ratios.push(m / f);
    cloneRatios.push(m / c);
  }
  console.log(`node ${process.version}, ${ROUNDS} interleaved rounds x ${OPS} hits, 1 KiB values`);
  console.log(`cache-manager 7 get              ${median(ns.manager).toFixed(0).padStart(6)} ns/op`);
  console.log(`facade eventual get (frozen hit) ${median(ns.facade).toFixed(0).padStart(6)} ns/op   ratio vs cache-manager ${median(ratios).toFixed(2)}x`);
  console.log(`facade hit + deep copy           ${median(ns.facadeClone).toFixed(0).padStart(6)} ns/op   ratio vs cache-manager ${median(cloneRatios).toFixed(2)}x`);
  await client.close();
}

await main();
