import { strict as assert } from 'node:assert';
import { idempotentHandler, type JsonValue, type Message } from '@sanctum/storage-core';
import { rejectsWith } from '../support/assert-error.js';
import { generateBytes, streamOf } from '../support/bytes.js';
import { sleep, waitFor } from '../support/time.js';
import type { GoldenSuite } from './facade-golden.js';

/** The seed golden tests: one per kind plus the cache bypass. */
export function registerSeeds({ describe, it, options }: GoldenSuite): void {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const settleMs = options.settleMs ?? 150;

  describe('seeds', () => {
    it('blob: a read after a write returns the written bytes and etag', async ({ client, ns }) => {
      const media = client.blobs(ns.blobs);
      const first = generateBytes(100_000, 1);
      const second = generateBytes(150_000, 2);
      const w1 = await media.put('a/b.bin', first);
      assert.deepEqual(await media.getBytes('a/b.bin'), first);
      const w2 = await media.put('a/b.bin', streamOf(second), { contentType: 'application/octet-stream' });
      assert.notEqual(w2.etag, w1.etag);
      assert.deepEqual(await media.getBytes('a/b.bin'), second, 'a read after an overwrite returned old bytes');
      const head = await media.head('a/b.bin');
      assert.equal(head.etag, w2.etag);
      assert.equal(head.size, second.byteLength);
    });

    it('record: a stale ETag fails with PRECONDITION_FAILED and changes nothing', async ({ client, ns }) => {
      const users = client.records(ns.records);
      const v1 = await users.put('t1/u42', { name: 'A' });
      const v2 = await users.put('t1/u42', { name: 'B' }, { ifMatch: v1.etag });
      await rejectsWith(users.put('t1/u42', { name: 'C' }, { ifMatch: v1.etag }), 'PRECONDITION_FAILED', 'a put with a stale etag');
      const current = await users.get('t1/u42');
      assert.deepEqual(current.value, { name: 'B' });
      assert.equal(current.etag, v2.etag);
    });

    it('stream: a redelivered duplicate is handled once through the idempotent helper', async ({ client, ns }) => {
      const topic = client.streams<{ n: number }>(ns.streams);
      const effects: string[] = [];
      const deliveries = new Map<string, number>();
      const once = idempotentHandler(async (message: Message<{ n: number }>) => void effects.push(message.id));
      const subscription = await topic.subscribe(
        'billing',
        async (message) => {
          deliveries.set(message.id, (deliveries.get(message.id) ?? 0) + 1);
          await once(message);
          // Crash after the side effect but before the ack: the message comes back.
          if (message.payload.n === 1 && message.deliveryCount === 1) throw new Error('crashed after the side effect');
        },
        { maxInFlight: 4, maxDeliveries: 5, ackTimeoutMs: 30_000 },
      );
      try {
        const ids = (await topic.publishBatch([{ payload: { n: 0 } }, { payload: { n: 1 } }, { payload: { n: 2 } }])).map((r) => r.id);
        await waitFor(() => (deliveries.get(ids[1]!) ?? 0) >= 2 && effects.length >= 3, timeoutMs, 'the duplicate delivery of message 1');
        await sleep(settleMs);
        assert.deepEqual([...effects].sort(), [...ids].sort(), 'each message must take effect exactly once');
      } finally {
        await subscription.close();
      }
    });

    it('cache: bypassCache reads the store and refreshes an entry the store has moved past', async ({ client, records, ns }) => {
      const facade = client.records<JsonValue>(ns.records);
      await facade.put('k', { v: 1 });
      await facade.get('k', { consistency: 'eventual' });
      // Another process writes straight to the store: this client's cache does not know.
      const behind = await records.put({ namespace: ns.records, key: 'k', value: { v: 2 } });
      assert.deepEqual((await facade.get('k', { consistency: 'eventual' })).value, { v: 1 }, 'the eventual read should come from the cache');
      const fresh = await facade.get('k', { consistency: 'eventual', bypassCache: true });
      assert.deepEqual(fresh.value, { v: 2 });
      assert.equal(fresh.etag, behind.etag);
      assert.deepEqual((await facade.get('k', { consistency: 'eventual' })).value, { v: 2 }, 'bypassCache must refresh the cache');
    });
  });
}
