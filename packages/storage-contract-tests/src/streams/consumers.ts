import { strict as assert } from 'node:assert';
import type { StreamMessage } from '@sanctum/storage-core/spi';
import { sleep } from '../support/time.js';
import { indexOf } from './harness.js';
import type { StreamSuite } from './stream-contract.js';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Durable cursors across restarts, the in-flight bound and work sharing. */
export function registerConsumers({ describe, it, options }: StreamSuite): void {
  describe('consumers', () => {
    it('a restarted consumer resumes from the durable cursor without losing unacked messages', async (t) => {
      await t.publish(range(0, 10));
      const ackedByFirst = new Set<number>();
      const blocked = new Set<number>();
      const hang = t.gate();
      const first = await t.subscribe({
        group: 'workers',
        consumer: 'worker-1',
        maxInFlight: 2,
        handler: async (message) => {
          const i = indexOf(message);
          if (i < 4) return void ackedByFirst.add(i);
          blocked.add(i);
          await hang.wait;
        },
      });
      await t.waitFor(() => ackedByFirst.size === 4 && blocked.size >= 1, 'the first consumer to ack 4 messages and block on the next');
      await first.close({ timeoutMs: options.closeTimeoutMs });
      await t.publish(range(10, 15));
      const second = new Set<number>();
      // `from` must be ignored: the group exists, so it resumes from its durable cursor.
      await t.subscribe({ group: 'workers', consumer: 'worker-1', maxInFlight: 4, from: 'latest', handler: async (message) => void second.add(indexOf(message)) });
      await t.waitFor(
        () => range(4, 15).every((i) => second.has(i)),
        'the restarted consumer to get every message the first one did not ack',
      ).catch((error: unknown) => {
        const missing = range(4, 15).filter((i) => !second.has(i));
        throw new Error(`messages lost across the restart: ${missing.join(', ')} (blocked in the first consumer: ${[...blocked].join(', ')})`, { cause: error });
      });
    });

    it('a consumer never has more than maxInFlight unacked messages', async (t) => {
      for (const maxInFlight of [1, 3]) {
        const total = 18;
        const base = maxInFlight * 100;
        await t.publish(range(base, base + total));
        let active = 0;
        let peak = 0;
        const done = new Set<number>();
        await t.subscribe({
          group: `bounded-${String(maxInFlight)}`,
          maxInFlight,
          handler: async (message) => {
            const i = indexOf(message);
            if (i < base || i >= base + total) return;
            active += 1;
            peak = Math.max(peak, active);
            await sleep(2 + (i % 3) * 2);
            active -= 1;
            done.add(i);
          },
        });
        await t.waitFor(() => done.size === total, `all ${String(total)} messages at maxInFlight ${String(maxInFlight)}`);
        assert.ok(peak <= maxInFlight, `${String(peak)} handlers ran at once with maxInFlight ${String(maxInFlight)}`);
      }
    });

    it('two consumers in one group share the work and handle each message once', async (t) => {
      const total = 20;
      const handledBy = new Map<number, string[]>();
      const handler = (name: string) => async (message: StreamMessage) => {
        const i = indexOf(message);
        handledBy.set(i, [...(handledBy.get(i) ?? []), name]);
        await sleep(5);
      };
      await t.subscribe({ group: 'shared', consumer: 'one', maxInFlight: 2, handler: handler('one') });
      await t.subscribe({ group: 'shared', consumer: 'two', maxInFlight: 2, handler: handler('two') });
      await t.publish(range(0, total), { key: (i) => `key-${String(i)}` });
      await t.waitFor(() => handledBy.size === total, `all ${String(total)} messages`);
      await t.settle();
      const twice = [...handledBy].filter(([, names]) => names.length > 1).map(([i]) => i);
      assert.deepEqual(twice, [], 'without failures a group handles each message once');
      if (options.expectWorkSharing) {
        const names = new Set([...handledBy.values()].flat());
        assert.deepEqual([...names].sort(), ['one', 'two'], 'both consumers of the group must get work');
      }
    });

    it('closing a subscription is idempotent and stops its deliveries', async (t) => {
      const got: number[] = [];
      const subscription = await t.subscribe({ handler: async (message) => void got.push(indexOf(message)) });
      await t.publish([0]);
      await t.waitFor(() => got.length === 1, 'the first message');
      await subscription.close();
      await subscription.close();
      await t.publish([1]);
      await t.settle();
      assert.deepEqual(got, [0], 'a closed subscription still received messages');
    });
  });
}
