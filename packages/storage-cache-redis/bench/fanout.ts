// ADR-010 measurement: invalidation fan-out through Redis pub/sub (this package) vs RESP3
// client-side tracking (node-redis' BasicClientSideCache), same Redis, interleaved rounds.
//  - delivery: from just before the writer's call to the moment the other client hears of it;
//  - hit: a read served from process memory (our L1 vs the tracking cache).
// Run: node --conditions=@sanctum/source --import tsx bench/fanout.ts
import { randomUUID } from 'node:crypto';
import { BasicClientSideCache, createClient } from 'redis';
import { resolveService } from '@sanctum/test-services';
import { createRedisCacheStore } from '../src/index.js';

const ROUNDS = 5;
const PER_ROUND = 400;
const HITS = 200_000;
const { url } = await resolveService('redis');
const prefix = `bench:fanout:${randomUUID()}:`;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Pub/sub: A publishes, B's listener hears it.
const a = createRedisCacheStore({ url, keyPrefix: prefix, l1: { maxEntries: 100 } });
const b = createRedisCacheStore({ url, keyPrefix: prefix, l1: { maxEntries: 100 } });
await Promise.all([a.open(), b.open()]);
let heard: (() => void) | undefined;
b.onInvalidation(() => heard?.());
async function pubsubRound(): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < PER_ROUND; i++) {
    const got = new Promise<void>((resolve) => (heard = resolve));
    const start = performance.now();
    await a.publishInvalidation([`k${i}`]);
    await got;
    out.push(performance.now() - start);
  }
  return out;
}

// Tracking: B reads through a client-side cache; A's SET makes Redis push an invalidation to B.
const csc = new BasicClientSideCache({ maxEntries: 1_000 });
const tracked = createClient({ url, RESP: 3, clientSideCache: csc });
const writer = createClient({ url });
await Promise.all([tracked.connect(), writer.connect()]);
const trackedKey = `${prefix}tracked`;
let invalidated: (() => void) | undefined;
csc.on('invalidate', () => invalidated?.());
async function trackingRound(): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < PER_ROUND; i++) {
    await tracked.get(trackedKey); // cached again, so the next write must invalidate it
    const got = new Promise<void>((resolve) => (invalidated = resolve));
    const start = performance.now();
    await writer.set(trackedKey, String(i));
    await got;
    out.push(performance.now() - start);
  }
  return out;
}

const pubsub: number[] = [];
const tracking: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  pubsub.push(...(await pubsubRound()));
  tracking.push(...(await trackingRound()));
  await sleep(20);
}
console.log(`delivery  pub/sub   p50 ${pct(pubsub, 0.5).toFixed(3)} ms  p99 ${pct(pubsub, 0.99).toFixed(3)} ms  (${pubsub.length} invalidations)`);
console.log(`delivery  tracking  p50 ${pct(tracking, 0.5).toFixed(3)} ms  p99 ${pct(tracking, 0.99).toFixed(3)} ms  (${tracking.length} invalidations)`);

// Hit cost from process memory.
const entry = { value: { name: 'Ada', bio: 'x'.repeat(900) }, version: 1, etag: 'e', storedAt: Date.now() };
await b.set('hot', entry, 600_000);
await writer.set(`${prefix}hot-tracked`, 'x'.repeat(1_000));
await tracked.get(`${prefix}hot-tracked`);
async function hitRate(read: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < HITS; i++) {
    await read();
    // Let timers run: a loop of settled promises never yields, and a socket left silent past its
    // timeout by a stalled event loop is dropped and reconnected.
    if (i % 1_000 === 0) await new Promise(setImmediate);
  }
  return (HITS * 1000) / (performance.now() - start);
}
const l1Rates: number[] = [];
const cscRates: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  l1Rates.push(await hitRate(() => b.get('hot')));
  cscRates.push(await hitRate(() => tracked.get(`${prefix}hot-tracked`)));
}
const ratios = l1Rates.map((x, i) => x / cscRates[i]!);
console.log(`hit       our L1 ${Math.round(pct(l1Rates, 0.5))}/s, tracking cache ${Math.round(pct(cscRates, 0.5))}/s, median ratio ${pct(ratios, 0.5).toFixed(2)}`);

await writer.del([trackedKey, `${prefix}hot-tracked`]);
await a.clear();
await Promise.all([a.close(), b.close(), tracked.close(), writer.close()]);
process.exit(0);
