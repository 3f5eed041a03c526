import { strict as assert } from 'node:assert';
import type { SubscribeRequest } from '@sanctum/storage-core';
import { rejectsWith } from '../support/assert-error.js';
import { token } from '../support/ids.js';
import { payloadOf } from './harness.js';
import type { StreamSuite } from './stream-contract.js';

const TIMER_MAX = 2 ** 31 - 1;

/**
 * Bad input as the SPI defines it (core's validation rules, docs/adr/005): each answers with a
 * StorageError of its code — never a raw error, never a silent acceptance.
 */
export function registerBadInput({ describe, it }: StreamSuite): void {
  describe('bad input', () => {
    it('malformed publish requests fail with INVALID_ARGUMENT and publish nothing', async (t) => {
      const { store, namespace } = t;
      const payload = payloadOf(0);
      const cases: ReadonlyArray<readonly [string, unknown, number | undefined]> = [
        ['an empty batch', [], undefined],
        ['messages that are not an array', 'x', undefined],
        ['a string payload', [{ payload: '{"i":0}' }], undefined],
        ['an empty key', [{ payload, key: '' }], undefined],
        ['a lone-surrogate key', [{ payload, key: 'k\ud800' }], undefined],
        ['a header value with CR/LF', [{ payload, headers: { h: 'a\r\nb' } }], undefined],
        ['a header value that is a number', [{ payload, headers: { h: 1 } }], undefined],
        ['timeoutMs -1', [{ payload }], -1],
        ['timeoutMs NaN', [{ payload }], Number.NaN],
        ['timeoutMs above 2^31-1', [{ payload }], TIMER_MAX + 1],
      ];
      for (const [name, messages, timeoutMs] of cases) {
        await rejectsWith(
          () => store.publish({ namespace, messages: messages as never, ...(timeoutMs === undefined ? {} : { timeoutMs }) }),
          'INVALID_ARGUMENT',
          `publish with ${name}`,
        );
      }
      // Nothing of the refused batches may have reached the stream.
      const seen: number[] = [];
      await t.subscribe({ handler: async () => void seen.push(1) });
      await t.settle();
      assert.deepEqual(seen, [], 'a refused publish delivered messages');
    });

    it('malformed subscribe requests fail with INVALID_ARGUMENT', async (t) => {
      const { store, namespace } = t;
      const valid: SubscribeRequest = { namespace, group: `g-${token()}`, handler: async () => undefined, maxInFlight: 4, maxDeliveries: 3, ackTimeoutMs: 1000 };
      const cases: ReadonlyArray<readonly [string, Partial<Record<keyof SubscribeRequest, unknown>>]> = [
        ['a handler that is not a function', { handler: 'not a function' }],
        ['an empty group', { group: '' }],
        ['a group with spaces', { group: 'bad group' }],
        ['maxInFlight 0', { maxInFlight: 0 }],
        ['maxInFlight 1e9', { maxInFlight: 1e9 }],
        ['maxDeliveries 0', { maxDeliveries: 0 }],
        ['ackTimeoutMs 0', { ackTimeoutMs: 0 }],
        ['ackTimeoutMs above 2^31-1', { ackTimeoutMs: TIMER_MAX + 1 }],
        ['an unknown start position', { from: 'yesterday' }],
      ];
      for (const [name, change] of cases) {
        await rejectsWith(async () => {
          const subscription = await store.subscribe({ ...valid, ...change } as SubscribeRequest);
          await subscription.close({ timeoutMs: 100 });
          return 'a running subscription';
        }, 'INVALID_ARGUMENT', `subscribe with ${name}`);
      }
    });
  });
}
