import { strict as assert } from 'node:assert';
import { DEAD_LETTER, deadLetterNamespace } from '@sanctum/storage-core';
import type { StreamMessage } from '@sanctum/storage-core/spi';
import { token } from '../support/ids.js';
import { indexOf, payloadOf } from './harness.js';
import type { StreamSuite } from './stream-contract.js';

/** Acks, redelivery after a throw or an ack timeout, and dead letters. */
export function registerAcknowledgement({ describe, it, options }: StreamSuite): void {
  describe('acknowledgement', () => {
    it('an acked message is not delivered to the group again', async (t) => {
      await t.publish([0, 1, 2]);
      const deliveries: number[] = [];
      const handler = async (message: StreamMessage) => void deliveries.push(indexOf(message));
      const first = await t.subscribe({ group: 'g', consumer: 'c', handler });
      await t.waitFor(() => deliveries.length >= 3, '3 messages');
      await t.settle();
      assert.deepEqual([...deliveries].sort(), [0, 1, 2], 'a resolved handler must ack its message');
      await first.close();
      await t.subscribe({ group: 'g', consumer: 'c', handler });
      await t.settle();
      assert.deepEqual([...deliveries].sort(), [0, 1, 2], 'acked messages came back after the consumer restarted');
    });

    it('a failed message is redelivered as the same message with a growing deliveryCount', async (t) => {
      const ids = await t.publish([0, 1], { key: () => 'k', headers: (i) => ({ 'x-index': String(i) }) });
      const attempts: StreamMessage[] = [];
      const others: number[] = [];
      await t.subscribe({
        maxDeliveries: 5,
        handler: async (message) => {
          if (indexOf(message) !== 0) return void others.push(indexOf(message));
          attempts.push(message);
          if (message.deliveryCount < 3) throw new Error('transient failure');
        },
      });
      await t.waitFor(() => attempts.length >= 3 && others.length >= 1, 'message 0 to be handled three times');
      await t.settle();
      assert.deepEqual(
        attempts.map((message) => message.deliveryCount),
        [1, 2, 3],
        'each redelivery must count one more delivery, and a success must end them',
      );
      for (const message of attempts) {
        assert.equal(message.id, ids[0], 'a redelivery keeps the message id (the dedupe key)');
        assert.deepEqual(new Uint8Array(message.payload), payloadOf(0));
        assert.equal(message.key, 'k');
        assert.equal(message.headers['x-index'], '0');
      }
    });

    it('a handler that exceeds ackTimeoutMs gets the message again', async (t) => {
      const ids = await t.publish([0]);
      const attempts: StreamMessage[] = [];
      const hang = t.gate();
      await t.subscribe({
        maxInFlight: 2,
        ackTimeoutMs: options.ackTimeoutMs,
        handler: async (message) => {
          attempts.push(message);
          if (message.deliveryCount === 1) await hang.wait;
        },
      });
      await t.waitFor(() => attempts.length >= 2, 'a redelivery after the ack timeout', options.timeoutMs + options.ackTimeoutMs);
      assert.equal(attempts[1]?.id, ids[0]);
      assert.ok((attempts[1]?.deliveryCount ?? 0) >= 2, 'the redelivery must count as another delivery');
    });

    it('after maxDeliveries failures a message goes to the dead-letter stream with its error while others keep flowing', async (t) => {
      const marker = `poison-${token()}`;
      const ids = await t.publish([0, 1, 2], { key: (i) => `key-${String(i)}`, headers: () => ({ 'x-origin': 'contract' }) });
      const poisonAttempts: number[] = [];
      const handled = new Set<number>();
      const handler = async (message: StreamMessage) => {
        if (indexOf(message) === 0) {
          poisonAttempts.push(message.deliveryCount);
          throw new Error(marker);
        }
        handled.add(indexOf(message));
      };
      const source = await t.subscribe({ group: 'g', consumer: 'c', maxDeliveries: 3, handler });
      const dead: StreamMessage[] = [];
      await t.subscribe({ namespace: deadLetterNamespace(t.namespace), group: 'dlq', handler: async (message) => void dead.push(message) });
      await t.waitFor(() => dead.length >= 1 && handled.has(1) && handled.has(2), 'the poison message in the dead-letter stream and the others handled');
      await t.publish([3]);
      await t.waitFor(() => handled.has(3), 'a message published after the dead-lettering to be handled');
      await t.settle();
      assert.deepEqual(poisonAttempts, [1, 2, 3], 'the poison message must be tried exactly maxDeliveries times');
      assert.equal(dead.length, 1, 'exactly one dead letter');
      const letter = dead[0]!;
      assert.deepEqual(new Uint8Array(letter.payload), payloadOf(0));
      assert.equal(letter.key, 'key-0');
      assert.equal(letter.headers['x-origin'], 'contract', 'the original headers are kept');
      assert.ok(letter.headers[DEAD_LETTER.errorHeader]?.includes(marker), `the ${DEAD_LETTER.errorHeader} header must carry the handler's error`);
      assert.equal(letter.headers[DEAD_LETTER.attemptsHeader], '3');
      assert.equal(letter.headers[DEAD_LETTER.originalIdHeader], ids[0]);
      await source.close();
      await t.subscribe({ group: 'g', consumer: 'c', maxDeliveries: 3, handler });
      await t.settle();
      assert.deepEqual(poisonAttempts, [1, 2, 3], 'a dead-lettered message must be acked on its source stream');
    });
  });
}
