import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStorageError } from '@sanctum/storage-core';
import { startPrivateRedis, type PrivateServer } from '@sanctum/test-services';
import { createRedisStreamStore } from '../../src/redis/index.js';

// Faults go to private Redis servers of this file's own (appendonly yes, appendfsync always), never
// to the shared rig server.
let server: PrivateServer;
let guarded: PrivateServer;
beforeAll(async () => {
  [server, guarded] = await Promise.all([startPrivateRedis(), startPrivateRedis({ password: 'the-right-one' })]);
}, 60_000);
afterAll(async () => {
  await Promise.all([server?.stop(), guarded?.stop()]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Redis credentials', () => {
  it('a wrong password fails open() at once with ACCESS_DENIED, not retryable', async () => {
    const url = guarded.url.replace('the-right-one', 'a-wrong-one');
    const store = createRedisStreamStore({ url, connectTimeoutMs: 10_000 });
    const started = performance.now();
    const error = await store.open!().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isStorageError(error, 'ACCESS_DENIED')).toBe(true);
    expect(isStorageError(error) && error.retryable).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000); // not after the 10 s connect timeout
    const ok = createRedisStreamStore({ url: guarded.url });
    await ok.open!();
    await ok.close!();
  });
});

describe('Redis SIGKILLed and restarted under 8 publishers and a consumer', () => {
  it('publishes fail within publishTimeoutMs while it is down; every acknowledged message is handled after the restart', async () => {
    const publishTimeoutMs = 1000;
    const store = createRedisStreamStore({ url: server.url, publishTimeoutMs, keyPrefix: 'outage:' });
    await store.open!();
    const acknowledged = new Set<number>();
    const handled = new Map<number, number>();
    const failures: Array<{ code: string; ms: number; at: number }> = [];
    const subscription = await store.subscribe({
      namespace: 'orders',
      group: 'g',
      handler: async (message) => {
        const i = Number(Buffer.from(message.payload).toString('utf8'));
        handled.set(i, (handled.get(i) ?? 0) + 1);
      },
      maxInFlight: 16,
      maxDeliveries: 100,
      ackTimeoutMs: 5000,
      from: 'earliest',
      onError: () => {},
    });
    let next = 0;
    let running = true;
    let down = false;
    const publishers = Array.from({ length: 8 }, async () => {
      while (running) {
        const i = next++;
        const started = performance.now();
        try {
          await store.publish({ namespace: 'orders', messages: [{ payload: Buffer.from(String(i)) }] });
          acknowledged.add(i);
        } catch (error) {
          failures.push({ code: isStorageError(error) ? error.code : `RAW:${String(error)}`, ms: performance.now() - started, at: started });
          await sleep(20);
        }
        if (!down) await sleep(2);
      }
    });
    try {
      await sleep(1000);
      down = true;
      await server.crash();
      const crashedAt = performance.now();
      await sleep(4000);
      await server.restart();
      down = false;
      await sleep(2000);
      running = false;
      await Promise.all(publishers);

      const during = failures.filter((f) => f.at >= crashedAt);
      expect(during.length).toBeGreaterThan(8);
      for (const failure of failures) {
        expect(['UNAVAILABLE', 'TIMEOUT']).toContain(failure.code);
        expect(failure.ms).toBeLessThanOrEqual(publishTimeoutMs + 100);
      }
      expect(acknowledged.size).toBeGreaterThan(100);

      const deadline = Date.now() + 30_000;
      while ([...acknowledged].some((i) => !handled.has(i)) && Date.now() < deadline) await sleep(100);
      const missing = [...acknowledged].filter((i) => !handled.has(i));
      expect(missing).toEqual([]);
      const duplicates = [...handled.values()].reduce((sum, n) => sum + n - 1, 0);
      console.log(`redis outage: ${acknowledged.size} acknowledged, ${failures.length} failed publishes, ${duplicates} duplicate deliveries`);
    } finally {
      running = false;
      await subscription.close({ timeoutMs: 2000 });
      await store.close!();
    }
  }, 90_000);
});
