import { strict as assert } from 'node:assert';
import { isStorageError } from '@sanctum/storage-core';
import { assertStorageError } from '../support/assert-error.js';
import type { RecordSuite } from './record-contract.js';

/** Racing writers: the check and the write must be one atomic step in the backend. */
export function registerConcurrency({ describe, it, options }: RecordSuite): void {
  const writers = options.concurrentWriters;

  describe('concurrency', () => {
    it('concurrent conditional writers on one key: exactly one wins each round', async (store, namespace) => {
      let current = await store.put({ namespace, key: 'k', value: { round: 0, writer: -1 } });
      for (let round = 1; round <= options.rounds; round += 1) {
        const etag = current.etag;
        const outcomes = await Promise.allSettled(
          Array.from({ length: writers }, (_, writer) => store.put({ namespace, key: 'k', value: { round, writer }, ifMatch: etag })),
        );
        const winners = outcomes.flatMap((outcome, writer) => (outcome.status === 'fulfilled' ? [{ writer, result: outcome.value }] : []));
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') assertStorageError(outcome.reason, 'PRECONDITION_FAILED', `a losing writer of round ${String(round)}`);
        }
        assert.equal(winners.length, 1, `round ${String(round)}: ${String(winners.length)} of ${String(writers)} writers with the same ifMatch succeeded`);
        const winner = winners[0]!;
        const entry = await store.get({ namespace, key: 'k' });
        assert.deepEqual(entry?.value, { round, writer: winner.writer }, 'the stored value is the winner’s');
        assert.equal(entry?.etag, winner.result.etag);
        assert.equal(entry?.version, round + 1);
        current = winner.result;
      }
    });

    it('concurrent read-modify-write loops lose no update (counter)', async (store, namespace) => {
      await store.put({ namespace, key: 'counter', value: 0 });
      const increments = options.incrementsPerWriter;
      const increment = async (): Promise<void> => {
        for (;;) {
          const entry = await store.get({ namespace, key: 'counter' });
          assert.ok(entry, 'the counter disappeared');
          try {
            await store.put({ namespace, key: 'counter', value: (entry.value as number) + 1, ifMatch: entry.etag });
            return;
          } catch (error) {
            if (!isStorageError(error, 'PRECONDITION_FAILED')) throw error;
          }
        }
      };
      await Promise.all(
        Array.from({ length: writers }, async () => {
          for (let done = 0; done < increments; done += 1) await increment();
        }),
      );
      const entry = await store.get({ namespace, key: 'counter' });
      assert.equal(entry?.value, writers * increments, 'lost updates: the counter is lower than the number of successful writes');
      assert.equal(entry?.version, writers * increments + 1);
    });

    it("concurrent ifNoneMatch '*' creators: exactly one wins", async (store, namespace) => {
      const outcomes = await Promise.allSettled(
        Array.from({ length: writers }, (_, writer) => store.put({ namespace, key: 'k', value: writer, ifNoneMatch: '*' })),
      );
      const winners = outcomes.flatMap((outcome, writer) => (outcome.status === 'fulfilled' ? [writer] : []));
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') assertStorageError(outcome.reason, 'ALREADY_EXISTS', 'a losing creator');
      }
      assert.equal(winners.length, 1, `${String(winners.length)} creators succeeded`);
      const entry = await store.get({ namespace, key: 'k' });
      assert.equal(entry?.value, winners[0]);
      assert.equal(entry?.version, 1);
    });
  });
}
