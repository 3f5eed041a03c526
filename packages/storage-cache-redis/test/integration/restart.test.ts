import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StorageClient } from '@sanctum/storage-core';
import { createMemoryRecordStore } from '@sanctum/storage-core/spi';
import { controlledRecords, facadeClient, type CacheCounts } from '../support/facade.js';
import { PrivateRedis } from '../support/private-redis.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const KEYS = Array.from({ length: 8 }, (_, i) => `k${i}`);
const LOOPS = 16;
const BUDGET_MS = 100;
type Doc = { n: number };

describe('Redis SIGKILLed and restarted under load (fail-open, L1 + L2)', () => {
  let redis: PrivateRedis;
  let writer: StorageClient;
  let reader: StorageClient;
  let readerCounts: CacheCounts;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    const records = controlledRecords(createMemoryRecordStore());
    const cache = { url: redis.url, keyPrefix: 'restart:', commandTimeoutMs: 200, l1: { maxEntries: 1_000 } };
    const settings = { onCacheFailure: 'fail-open', stalenessBudgetMs: BUDGET_MS, cacheTtlMs: 60_000 } as const;
    writer = facadeClient(records, cache, settings).client;
    ({ client: reader, counts: readerCounts } = facadeClient(records, cache, settings));
  });
  afterAll(async () => {
    await Promise.all([writer?.close(), reader?.close()]);
    await redis?.stop();
  });

  it('0 failed reads; after reconnect nothing older than the staleness budget; invalidation works again', async () => {
    const w = writer.records<Doc>('users');
    const r = reader.records<Doc>('users');
    // The newest version acknowledged per key, with the time of each acknowledgement.
    const acked = new Map<string, Array<{ n: number; at: number }>>();
    for (const key of [...KEYS, 'pinned']) {
      await w.put(key, { n: 0 });
      acked.set(key, [{ n: 0, at: performance.now() }]);
    }
    // `pinned` sits in the reader's L1 before the crash (past the writer's fill fence, so it is
    // cached); it is rewritten while Redis is down.
    await sleep(1_100);
    expect((await r.get('pinned', { consistency: 'eventual' })).value.n).toBe(0);
    const hits = readerCounts.hit;
    expect((await r.get('pinned', { consistency: 'eventual' })).value.n).toBe(0);
    expect(readerCounts.hit).toBe(hits + 1);

    let running = true;
    let failures = 0;
    let reads = 0;
    const phase: { afterRestart?: number } = {};
    const violations: string[] = [];
    const newestBefore = (key: string, t: number) => {
      let n = -1;
      for (const a of acked.get(key)!) if (a.at <= t) n = Math.max(n, a.n);
      return n;
    };
    const readLoop = async (i: number) => {
      while (running) {
        const key = KEYS[(i + reads) % KEYS.length]!;
        const started = performance.now();
        try {
          const got = await r.get(key, { consistency: 'strong' });
          reads += 1;
          const floor = newestBefore(key, started - BUDGET_MS);
          if (phase.afterRestart !== undefined && started > phase.afterRestart && got.value.n < floor) violations.push(`${key}: read ${got.value.n}, ${floor} was acknowledged > ${BUDGET_MS} ms before`);
        } catch (error) {
          failures += 1;
          violations.push(`read failed: ${String(error)}`);
        }
        await sleep(1);
      }
    };
    let version = 0;
    const writeLoop = async () => {
      while (running) {
        version += 1;
        const key = KEYS[version % KEYS.length]!;
        await w.put(key, { n: version });
        acked.get(key)!.push({ n: version, at: performance.now() });
        await sleep(5);
      }
    };
    const loops = [...Array.from({ length: LOOPS }, (_, i) => readLoop(i)), writeLoop()];

    await sleep(300);
    await redis.kill();
    await sleep(300);
    // Written while the cache is down: the purge and the fan-out both fail (fail-open logs them).
    await w.put('pinned', { n: 1 });
    await redis.restart();
    phase.afterRestart = performance.now();
    await sleep(1_000);

    // The reader's L1 copy of `pinned` missed the invalidation: it must not be served.
    expect((await r.get('pinned', { consistency: 'eventual' })).value.n).toBe(1);
    // Invalidation works again: a write by the writer reaches the reader's L1.
    expect((await r.get('pinned', { consistency: 'eventual' })).value.n).toBe(1);
    await w.put('pinned', { n: 2 });
    const deadline = Date.now() + 2_000;
    while ((await r.get('pinned', { consistency: 'eventual' })).value.n !== 2) {
      expect(Date.now()).toBeLessThan(deadline);
      await sleep(5);
    }

    running = false;
    await Promise.all(loops);
    expect(failures).toBe(0);
    expect(violations).toEqual([]);
    expect(reads).toBeGreaterThan(100);
  });
});
