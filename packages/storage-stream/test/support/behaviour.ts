import { randomBytes } from 'node:crypto';
import { DEAD_LETTER, deadLetterNamespace, isStorageError, type Subscription } from '@sanctum/storage-core';
import type { StreamMessage, StreamStore } from '@sanctum/storage-core/spi';
import { describe, expect, it } from 'vitest';
import type { StallProxy } from './stall-proxy.js';

/** A backend the shared behaviour tests run against. */
export interface BehaviourTarget {
  readonly title: string;
  readonly create: () => StreamStore;
  /** A store whose network path can be stalled, with a local bound of `maxPendingPublishes` messages. */
  readonly createStallable: (maxPendingPublishes: number) => Promise<{ readonly store: StreamStore; readonly proxy: StallProxy }>;
  /** Unacked messages of a group as the backend counts them, when it can tell. */
  readonly unacked?: (namespace: string, group: string) => Promise<number>;
}

const payloadOf = (i: number) => Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(64) }));
const indexOf = (message: StreamMessage) => (JSON.parse(Buffer.from(message.payload).toString('utf8')) as { i: number }).i;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function publishRange(store: StreamStore, namespace: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 100) {
    const messages = Array.from({ length: Math.min(100, count - start) }, (_, k) => ({ payload: payloadOf(start + k) }));
    ids.push(...(await store.publish({ namespace, messages })).map((receipt) => receipt.id));
  }
  return ids;
}

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc (vitest.config.ts passes it to the test workers)');
  gc();
  return process.memoryUsage().heapUsed;
}

/** Registers the poison, in-flight bound and backpressure tests for one backend. */
export function registerBehaviour(target: BehaviourTarget): void {
  const namespace = () => `behaviour-${randomBytes(4).toString('hex')}`;

  describe(`${target.title}: behaviour`, () => {
    it('a poison message reaches the dead-letter stream after maxDeliveries while 499 others flow on', async () => {
      const store = target.create();
      await store.open?.();
      const ns = namespace();
      const subscriptions: Subscription[] = [];
      try {
        const ids = await publishRange(store, ns, 500);
        const poison = 100;
        const attempts: number[] = [];
        const handled = new Set<number>();
        let handledWhilePoisonRetried = 0;
        subscriptions.push(
          await store.subscribe({
            namespace: ns,
            group: 'work',
            maxInFlight: 8,
            maxDeliveries: 4,
            ackTimeoutMs: 10_000,
            handler: async (message) => {
              const i = indexOf(message);
              if (i === poison) {
                attempts.push(message.deliveryCount);
                await sleep(20);
                throw new Error('poison: cannot parse order');
              }
              if (attempts.length > 0 && attempts.length < 4) handledWhilePoisonRetried += 1;
              handled.add(i);
            },
          }),
        );
        const dead: StreamMessage[] = [];
        subscriptions.push(
          await store.subscribe({ namespace: deadLetterNamespace(ns), group: 'dlq', maxInFlight: 4, maxDeliveries: 1, ackTimeoutMs: 10_000, handler: async (m) => void dead.push(m) }),
        );
        await waitFor(() => handled.size === 499 && dead.length === 1, 30_000, 'the 499 good messages and one dead letter');
        await sleep(300);
        expect(attempts).toEqual([1, 2, 3, 4]);
        expect(dead).toHaveLength(1);
        expect(handledWhilePoisonRetried).toBeGreaterThan(0);
        const letter = dead[0]!;
        expect(indexOf(letter)).toBe(poison);
        expect(letter.headers[DEAD_LETTER.attemptsHeader]).toBe('4');
        expect(letter.headers[DEAD_LETTER.originalIdHeader]).toBe(ids[poison]);
        expect(letter.headers[DEAD_LETTER.errorHeader]).toContain('poison: cannot parse order');
      } finally {
        await Promise.all(subscriptions.map((s) => s.close({ timeoutMs: 1_000 })));
        await store.close?.();
      }
    });

    it('a slow handler with maxInFlight 4 never has more than 4 messages in flight', async () => {
      const store = target.create();
      await store.open?.();
      const ns = namespace();
      let active = 0;
      let peak = 0;
      let peakUnacked = 0;
      const done = new Set<number>();
      const total = 80;
      await publishRange(store, ns, total);
      const subscription = await store.subscribe({
        namespace: ns,
        group: 'slow',
        maxInFlight: 4,
        maxDeliveries: 3,
        ackTimeoutMs: 10_000,
        handler: async (message) => {
          active += 1;
          peak = Math.max(peak, active);
          await sleep(15);
          active -= 1;
          done.add(indexOf(message));
        },
      });
      let sampling = true;
      const sampler = (async () => {
        while (sampling && target.unacked !== undefined) {
          peakUnacked = Math.max(peakUnacked, await target.unacked(ns, 'slow'));
          await sleep(3);
        }
      })();
      try {
        await waitFor(() => done.size === total, 30_000, `all ${String(total)} messages`);
      } finally {
        sampling = false;
        await sampler;
        await subscription.close();
        await store.close?.();
      }
      expect(peak).toBe(4);
      if (target.unacked !== undefined) expect(peakUnacked).toBeLessThanOrEqual(4);
    });

    it('a saturated publisher fails with BACKPRESSURE at its deadline and memory stays flat', async () => {
      const bound = 20;
      const { store, proxy } = await target.createStallable(bound);
      await store.open?.();
      const ns = namespace();
      try {
        await store.publish({ namespace: ns, messages: [{ payload: payloadOf(-1) }] }); // connected and warm
        proxy.pause();
        // Takes every permit and hangs in the stalled network.
        const stuck = store.publish({ namespace: ns, timeoutMs: 30_000, messages: Array.from({ length: bound }, (_, i) => ({ payload: payloadOf(i) })) });
        const started = performance.now();
        const late = await store.publish({ namespace: ns, timeoutMs: 200, messages: [{ payload: payloadOf(bound) }] }).then(
          () => undefined,
          (error: unknown) => error,
        );
        const waited = performance.now() - started;
        expect(isStorageError(late, 'BACKPRESSURE')).toBe(true);
        expect(waited).toBeGreaterThanOrEqual(190);
        expect(waited).toBeLessThan(1_000);

        const payload = Buffer.alloc(1024, 7);
        const attempt = async () => {
          const error = await store.publish({ namespace: ns, timeoutMs: 1, messages: [{ payload }] }).then(
            () => undefined,
            (e: unknown) => e,
          );
          if (!isStorageError(error, 'BACKPRESSURE')) throw new Error(`expected BACKPRESSURE, got ${String(error)}`);
        };
        const round = async () => {
          for (let k = 0; k < 20; k += 1) await Promise.all(Array.from({ length: 250 }, attempt));
          return heapAfterGc();
        };
        // Three rounds of 5 000 refused 1 KiB publishes each: a leak would grow the heap by about
        // 5 MiB per round; flat means the later rounds add (next to) nothing.
        const heaps = [heapAfterGc(), await round(), await round(), await round()];
        const mib = heaps.map((h) => (h / 1048576).toFixed(1));
        console.log(`${target.title}: BACKPRESSURE after ${waited.toFixed(0)} ms (deadline 200 ms); heap MiB before/after each round of 5 000 refused publishes: ${mib.join(' → ')}`);
        expect(heaps[3]! - heaps[0]!).toBeLessThan(2 * 1024 * 1024);
        expect(heaps[3]! - heaps[1]!).toBeLessThan(1024 * 1024);

        proxy.resume();
        expect(await stuck).toHaveLength(bound);
      } finally {
        proxy.resume();
        await store.close?.();
        await proxy.close();
      }
    });
  });
}
