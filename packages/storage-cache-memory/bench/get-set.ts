// Raw lru-cache vs the memory CacheStore, same process, same keys: hits/s and sets/s on 10k keys.
// Run: pnpm --filter @sanctum/storage-cache-memory bench
import { LRUCache } from 'lru-cache';
import Keyv from 'keyv';
import type { CacheEntry } from '@sanctum/storage-core/spi';
import { createKeyvStore, createMemoryCacheStore } from '../src/index.js';

const KEYS = 10_000;
const ROUNDS = 200; // 2 M operations per measurement
const TTL = 60_000;
const keys = Array.from({ length: KEYS }, (_, i) => `users\u0000tenant-1/user-${i}`);
const entries: CacheEntry[] = keys.map((_, i) => ({
  value: { id: i, name: `user ${i}`, email: `user${i}@example.test`, roles: ['reader'] },
  version: 1,
  etag: `"etag-${i}"`,
  storedAt: Date.now(),
}));

function report(label: string, ops: number, ms: number): void {
  const perSecond = (ops / ms) * 1000;
  console.log(`${label.padEnd(58)} ${(perSecond / 1e6).toFixed(2).padStart(7)} M ops/s  (${((ms * 1e6) / ops).toFixed(0)} ns/op)`);
}

function measureSync(label: string, op: (key: string, i: number) => unknown): void {
  for (let i = 0; i < KEYS * 20; i++) op(keys[i % KEYS]!, i % KEYS); // warm-up
  const start = performance.now();
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) for (let i = 0; i < KEYS; i++) if (op(keys[i]!, i) !== undefined) sink++;
  report(label, ROUNDS * KEYS, performance.now() - start);
  if (sink < 0) console.log(sink);
}

async function measureAsync(label: string, op: (key: string, i: number) => Promise<unknown>, rounds = ROUNDS): Promise<void> {
  for (let i = 0; i < KEYS * 20; i++) await op(keys[i % KEYS]!, i % KEYS);
  const start = performance.now();
  for (let r = 0; r < rounds; r++) for (let i = 0; i < KEYS; i++) await op(keys[i]!, i);
  report(label, rounds * KEYS, performance.now() - start);
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${KEYS} keys, all hits\n`);

  const raw = new LRUCache<string, CacheEntry>({ max: 100_000, ttl: TTL });
  keys.forEach((key, i) => raw.set(key, entries[i]!, { ttl: TTL }));
  const cache = createMemoryCacheStore({ maxEntries: 100_000, ttlMs: TTL });
  await Promise.all(keys.map((key, i) => cache.set(key, entries[i]!, TTL)));
  const bounded = createMemoryCacheStore({ maxEntries: 100_000, ttlMs: TTL, maxBytes: 256 * 1024 * 1024 });
  await Promise.all(keys.map((key, i) => bounded.set(key, entries[i]!, TTL)));

  measureSync('get  raw lru-cache (sync)', (key) => raw.get(key));
  measureSync('get  memory CacheStore (call, promise not awaited)', (key) => cache.get(key));
  await measureAsync('get  raw lru-cache (await Promise.resolve)', (key) => Promise.resolve(raw.get(key)));
  await measureAsync('get  memory CacheStore (await)', (key) => cache.get(key));
  await measureAsync('get  memory CacheStore + maxBytes (await)', (key) => bounded.get(key));

  measureSync('set  raw lru-cache (sync, replace)', (key, i) => raw.set(key, entries[i]!, { ttl: TTL }));
  await measureAsync('set  memory CacheStore (await, replace, clone)', (key, i) => cache.set(key, entries[i]!, TTL), 50);
  const byReference = createMemoryCacheStore({ maxEntries: 100_000, ttlMs: TTL, cloneOnSet: false });
  await measureAsync('set  memory CacheStore cloneOnSet: false (await)', (key, i) => byReference.set(key, entries[i]!, TTL));
  await measureAsync('set  memory CacheStore + maxBytes (await, replace, clone)', (key, i) => bounded.set(key, entries[i]!, TTL), 50);

  const keyv = new Keyv({ store: createKeyvStore(createMemoryCacheStore({ maxEntries: 100_000, ttlMs: TTL })) });
  await Promise.all(keys.map((key, i) => keyv.set(key, entries[i]!.value, TTL)));
  await measureAsync('get  Keyv on memory CacheStore (await, JSON inside Keyv)', (key) => keyv.get(key), 20);
}

await main();
