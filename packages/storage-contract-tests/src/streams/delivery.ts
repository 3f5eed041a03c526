import { strict as assert } from 'node:assert';
import type { StreamMessage } from '@sanctum/storage-core/spi';
import { indexOf, payloadOf } from './harness.js';
import type { StreamSuite } from './stream-contract.js';

/** Publish, receive, ordering and fan-out to groups. */
export function registerDelivery({ describe, it, options }: StreamSuite): void {
  describe('delivery', () => {
    it('declares exactly the capabilities the suite was given', async (t) => {
      assert.equal(t.store.kind, 'stream');
      assert.ok(typeof t.store.name === 'string' && t.store.name.length > 0, 'name must be a non-empty string');
      const { replayFromId, replayFromTime, ordering } = t.store.capabilities;
      assert.deepEqual({ replayFromId, replayFromTime, ordering }, options.capabilities);
    });

    it('publish returns one id per message and a new group receives each with its key, headers and payload', async (t) => {
      const before = Date.now();
      const ids = await t.publish([0, 1, 2, 3, 4], { key: (i) => `key-${String(i % 2)}`, headers: (i) => ({ 'x-index': String(i), 'x-test': 'yes' }) });
      const after = Date.now();
      assert.equal(ids.length, 5, 'one receipt per message');
      assert.equal(new Set(ids).size, 5, 'ids must be unique');
      for (const id of ids) assert.ok(typeof id === 'string' && id.length > 0, 'ids are non-empty strings');
      const got = new Map<number, StreamMessage>();
      await t.subscribe({ handler: async (message) => void got.set(indexOf(message), message) });
      await t.waitFor(() => got.size === 5, 'all 5 messages');
      for (let i = 0; i < 5; i += 1) {
        const message = got.get(i)!;
        assert.equal(message.id, ids[i], `receipt ${String(i)} must be the id of message ${String(i)}`);
        assert.equal(message.namespace, t.namespace);
        assert.equal(message.key, `key-${String(i % 2)}`);
        assert.equal(message.headers['x-index'], String(i));
        assert.equal(message.headers['x-test'], 'yes');
        assert.deepEqual(new Uint8Array(message.payload), payloadOf(i));
        assert.equal(message.deliveryCount, 1);
        assert.ok(message.publishedAt instanceof Date, 'publishedAt must be a Date');
        const at = message.publishedAt.getTime();
        assert.ok(at >= before - options.clockSkewMs && at <= after + options.clockSkewMs, `publishedAt ${message.publishedAt.toISOString()} is not about now`);
      }
    });

    if (options.capabilities.ordering !== 'none') {
      it('messages reach a group in the declared order', async (t) => {
        const perKey = options.capabilities.ordering === 'per-key';
        const key = (i: number) => `key-${String(i % 3)}`;
        const ids = [
          ...(await t.publish([0, 1, 2, 3, 4], { key })),
          ...(await t.publish([5, 6, 7, 8, 9], { key })),
          ...(await t.publish([10, 11, 12, 13, 14], { key })),
        ];
        const order: number[] = [];
        await t.subscribe({ maxInFlight: 1, handler: async (message) => void order.push(indexOf(message)) });
        await t.waitFor(() => order.length >= 15, '15 messages');
        const expected = Array.from({ length: 15 }, (_, i) => i);
        if (perKey) {
          for (const k of ['key-0', 'key-1', 'key-2']) {
            assert.deepEqual(
              order.filter((i) => key(i) === k),
              expected.filter((i) => key(i) === k),
              `messages of ${k} out of order`,
            );
          }
        } else {
          assert.deepEqual(order, expected, 'total order: messages must arrive in publish order');
        }
        assert.equal(new Set(ids).size, 15);
      });
    }

    it('each group receives every message', async (t) => {
      await t.publish([0, 1, 2, 3]);
      const first = new Set<number>();
      const second = new Set<number>();
      await t.subscribe({ group: 'first', handler: async (message) => void first.add(indexOf(message)) });
      await t.subscribe({ group: 'second', handler: async (message) => void second.add(indexOf(message)) });
      await t.publish([4, 5]);
      await t.waitFor(() => first.size === 6 && second.size === 6, 'both groups to receive all 6 messages');
    });
  });
}
