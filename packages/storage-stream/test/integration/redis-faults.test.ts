/**
 * Issue 12, with real faults on private Redis servers (never the shared rig's): a wrong password, and
 * a durable Redis (appendonly yes, appendfsync always) killed and restarted under publishers and a
 * consumer. The figures are printed so they can be quoted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStorageError } from '@sanctum/storage-core';
import type { StreamMessage } from '@sanctum/storage-core/spi';
import { startPrivateRedis, type PrivateServer } from '@sanctum/test-services';
import { createRedisStreamStore } from '../../src/redis/index.js';

const PUBLISH_TIMEOUT_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let durable: PrivateServer;
let locked: PrivateServer;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  [durable, locked] = await Promise.all([startPrivateRedis(), startPrivateRedis({ password: 'right-password' })]);
}, 60_000);

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await Promise.all([durable?.stop(), locked?.stop()]);
});

describe('Redis faults (private servers)', () => {
  it('a wrong password is ACCESS_DENIED (not retryable) at once, not UNAVAILABLE after the connect timeout', async () => {
    const url = `redis://:wrong-password@127.0.0.1:${String(locked.port)}`;
    const store = createRedisStreamStore({ url, connectTimeoutMs: 10_000 });
    const started = performance.now();
    const error = await store.open!().then(
      () => undefined,
      (e: unknown) => e,
    );
    const took = performance.now() - started;
    console.log(`[redis wrong password] ${isStorageError(error) ? error.code : String(error)} after ${took.toFixed(0)} ms (connectTimeoutMs 10000)`);
    expect(error).toMatchObject({ code: 'ACCESS_DENIED', retryable: false, operation: 'open' });
    expect(took).toBeLessThan(1000);
    // The right password works against the same server.
    const good = createRedisStreamStore({ url: locked.url });
    await good.open!();
    await good.close!();
  });

  it('SIGKILL + restart under 8 publishers and a consumer: publishes fail within publishTimeoutMs while down; every acknowledged message is handled', async () => {
    const namespace = 'faults';
    const store = createRedisStreamStore({ url: durable.url, publishTimeoutMs: PUBLISH_TIMEOUT_MS, connectTimeoutMs: 5000 });
    await store.open!();
    const handled = new Map<string, number>();
    const subscription = await store.subscribe({
      namespace,
      group: 'g',
      maxInFlight: 32,
      maxDeliveries: 1000,
      ackTimeoutMs: 5000,
      from: 'earliest',
      handler: async (message: StreamMessage) => {
        const key = Buffer.from(message.payload).toString('utf8');
        handled.set(key, (handled.get(key) ?? 0) + 1);
      },
    });
    const acknowledged = new Set<string>();
    // Every publish that started while Redis was down (until it was back), however it ended.
    const duringOutage: Array<{ code: string; took: number }> = [];
    let running = true;
    let down = false;
    const publishers = Array.from({ length: 8 }, async (_, p) => {
      for (let i = 0; running; i++) {
        const key = `${String(p)}-${String(i)}`;
        const started = performance.now();
        const whileDown = down;
        let code = 'ok';
        try {
          await store.publish({ namespace, messages: [{ payload: Buffer.from(key) }] });
          acknowledged.add(key);
        } catch (error) {
          if (!isStorageError(error)) throw error;
          code = error.code;
          await sleep(10);
        }
        if (whileDown) duringOutage.push({ code, took: performance.now() - started });
        await sleep(2);
      }
    });
    try {
      await sleep(1000);
      down = true;
      await durable.crash();
      await sleep(2000);
      await durable.restart();
      down = false;
      await sleep(2000);
      running = false;
      await Promise.all(publishers);
      const deadline = Date.now() + 30_000;
      while ([...acknowledged].some((key) => !handled.has(key)) && Date.now() < deadline) await sleep(100);
    } finally {
      running = false;
      await subscription.close();
      await store.close!();
    }
    const missing = [...acknowledged].filter((key) => !handled.has(key));
    const duplicates = [...handled.values()].reduce((total, n) => total + n - 1, 0);
    const codes = new Map<string, number>();
    for (const f of duringOutage) codes.set(f.code, (codes.get(f.code) ?? 0) + 1);
    const slowest = Math.max(0, ...duringOutage.map((f) => f.took));
    console.log(
      `[redis SIGKILL + restart] acknowledged ${String(acknowledged.size)}, handled ${String(handled.size)}, missing ${String(missing.length)}, duplicates ${String(duplicates)}; ` +
        `while down: ${JSON.stringify(Object.fromEntries(codes))}, slowest publish ${slowest.toFixed(1)} ms (publishTimeoutMs ${String(PUBLISH_TIMEOUT_MS)})`,
    );
    expect(duringOutage.length).toBeGreaterThan(0);
    // While Redis is dead nothing can be acknowledged (the only 'ok' would be a publish sent just
    // before the crash): every other publish of the outage fails fast.
    expect([...codes.keys()].every((code) => code === 'UNAVAILABLE' || code === 'TIMEOUT' || code === 'ok')).toBe(true);
    expect(codes.get('UNAVAILABLE') ?? 0).toBeGreaterThan(0);
    expect(slowest).toBeLessThanOrEqual(PUBLISH_TIMEOUT_MS);
    expect(acknowledged.size).toBeGreaterThan(100);
    expect(missing).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});
