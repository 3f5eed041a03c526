import { strict as assert } from 'node:assert';
import { isStorageError } from '@sanctum/storage-core';
import { assertAbsentOrUnsupported, rejectsWith } from '../support/assert-error.js';
import type { RecordSuite } from './record-contract.js';

/** `transaction()` when declared; absent or UNSUPPORTED when not. */
export function registerTransactions({ describe, it, options }: RecordSuite): void {
  describe('transactions', () => {
    if (!options.capabilities.transactions) {
      it('transactions undeclared: transaction is absent or answers UNSUPPORTED', async (store, namespace) => {
        let ran = false;
        await assertAbsentOrUnsupported(
          store.transaction,
          () =>
            store.transaction!(async (tx) => {
              ran = true;
              await tx.put({ namespace, key: 'k', value: 1 });
            }),
          'transaction',
        );
        assert.equal(ran, false, 'an unsupported transaction must not run its work');
        assert.equal(await store.get({ namespace, key: 'k' }), undefined);
      });
      return;
    }

    it('a transaction that resolves commits its writes across namespaces and returns the result', async (store, namespace) => {
      assert.equal(typeof store.transaction, 'function', 'transactions are declared, so transaction must exist');
      const other = `${namespace}-tx`;
      await store.put({ namespace, key: 'gone', value: 0 });
      const result = await store.transaction!(async (tx) => {
        await tx.put({ namespace, key: 'a', value: 1 });
        await tx.put({ namespace: other, key: 'b', value: 2 });
        assert.equal(await tx.delete({ namespace, key: 'gone' }), true);
        return 'done';
      });
      assert.equal(result, 'done');
      assert.equal((await store.get({ namespace, key: 'a' }))?.value, 1);
      assert.equal((await store.get({ namespace: other, key: 'b' }))?.value, 2);
      assert.equal(await store.get({ namespace, key: 'gone' }), undefined);
    });

    it('a transaction reads its own writes', async (store, namespace) => {
      await store.transaction!(async (tx) => {
        await tx.put({ namespace, key: 'a', value: 1 });
        const entry = await tx.get({ namespace, key: 'a' });
        assert.equal(entry?.value, 1);
        const page = await tx.list({ namespace });
        assert.deepEqual(
          page.items.map((item) => item.key),
          ['a'],
        );
      });
    });

    it('a transaction that throws rolls back every write and rethrows', async (store, namespace) => {
      const existing = await store.put({ namespace, key: 'existing', value: 'before' });
      const marker = new Error('abort the transaction');
      let caught: unknown;
      try {
        await store.transaction!(async (tx) => {
          await tx.put({ namespace, key: 'existing', value: 'changed', ifMatch: existing.etag });
          await tx.put({ namespace, key: 'created', value: 'new' });
          await tx.delete({ namespace, key: 'existing' });
          throw marker;
        });
      } catch (error) {
        caught = error;
      }
      assert.ok(caught === marker || (isStorageError(caught) && caught.cause === marker), 'the work’s error must reach the caller');
      const entry = await store.get({ namespace, key: 'existing' });
      assert.equal(entry?.value, 'before');
      assert.equal(entry?.etag, existing.etag);
      assert.equal(await store.get({ namespace, key: 'created' }), undefined);
    });

    it('a failed condition inside a transaction fails it and rolls back', async (store, namespace) => {
      const stale = await store.put({ namespace, key: 'k', value: 1 });
      await store.put({ namespace, key: 'k', value: 2 });
      await rejectsWith(
        store.transaction!(async (tx) => {
          await tx.put({ namespace, key: 'other', value: 'x' });
          await tx.put({ namespace, key: 'k', value: 3, ifMatch: stale.etag });
        }),
        'PRECONDITION_FAILED',
        'a transaction whose conditional put is stale',
      );
      assert.equal(await store.get({ namespace, key: 'other' }), undefined);
      assert.equal((await store.get({ namespace, key: 'k' }))?.value, 2);
    });
  });
}
