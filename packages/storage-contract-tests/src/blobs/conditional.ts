import { strict as assert } from 'node:assert';
import { assertStorageError, rejectsWith } from '../support/assert-error.js';
import { generateBytes, readAll } from '../support/bytes.js';
import type { BlobSuite } from './blob-contract.js';

/** ifMatch / ifNoneMatch on put and delete when `conditionalWrite` is declared; UNSUPPORTED when not. */
export function registerConditional({ describe, it, options }: BlobSuite): void {
  describe('conditional writes', () => {
    if (!options.capabilities.conditionalWrite) {
      it('conditionalWrite undeclared: conditional puts and deletes fail with UNSUPPORTED and change nothing', async (store, namespace) => {
        const written = await store.put({ namespace, key: 'k', body: generateBytes(10, 1) });
        await rejectsWith(store.put({ namespace, key: 'k', body: generateBytes(10, 2), ifMatch: written.etag }), 'UNSUPPORTED', 'put with ifMatch');
        await rejectsWith(store.put({ namespace, key: 'new', body: generateBytes(10, 2), ifNoneMatch: '*' }), 'UNSUPPORTED', "put with ifNoneMatch '*'");
        await rejectsWith(store.delete({ namespace, key: 'k', ifMatch: written.etag }), 'UNSUPPORTED', 'delete with ifMatch');
        assert.equal((await store.head({ namespace, key: 'k' }))?.etag, written.etag);
        assert.equal(await store.head({ namespace, key: 'new' }), undefined);
      });
      return;
    }

    it('put with the current ifMatch writes; a stale one fails with PRECONDITION_FAILED and changes nothing', async (store, namespace) => {
      const first = await store.put({ namespace, key: 'k', body: generateBytes(10, 1) });
      const second = await store.put({ namespace, key: 'k', body: generateBytes(10, 2), ifMatch: first.etag });
      await rejectsWith(store.put({ namespace, key: 'k', body: generateBytes(10, 3), ifMatch: first.etag }), 'PRECONDITION_FAILED', 'put with a stale ifMatch');
      const head = await store.head({ namespace, key: 'k' });
      assert.equal(head?.etag, second.etag, 'a failed conditional put changed the object');
      const object = await store.get({ namespace, key: 'k' });
      assert.deepEqual(await readAll(object!.body), generateBytes(10, 2));
    });

    it('put with ifMatch on an absent key fails with PRECONDITION_FAILED and creates nothing', async (store, namespace) => {
      await rejectsWith(store.put({ namespace, key: 'k', body: generateBytes(10, 1), ifMatch: '"no-such-etag"' }), 'PRECONDITION_FAILED', 'put with ifMatch on an absent key');
      assert.equal(await store.head({ namespace, key: 'k' }), undefined);
    });

    it("put with ifNoneMatch '*' creates once, then fails with ALREADY_EXISTS", async (store, namespace) => {
      const created = await store.put({ namespace, key: 'k', body: generateBytes(10, 1), ifNoneMatch: '*' });
      await rejectsWith(store.put({ namespace, key: 'k', body: generateBytes(10, 2), ifNoneMatch: '*' }), 'ALREADY_EXISTS', "put with ifNoneMatch '*' on an existing key");
      assert.equal((await store.head({ namespace, key: 'k' }))?.etag, created.etag);
    });

    it("concurrent ifNoneMatch '*' creators: exactly one wins", async (store, namespace) => {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => store.put({ namespace, key: 'k', body: generateBytes(1000, i + 1), ifNoneMatch: '*' })),
      );
      const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') assertStorageError(outcome.reason, 'ALREADY_EXISTS', 'a losing creator');
      }
      assert.equal(winners.length, 1, `${String(winners.length)} creators succeeded`);
    });

    it('delete with a stale ifMatch fails with PRECONDITION_FAILED and keeps the object', async (store, namespace) => {
      const first = await store.put({ namespace, key: 'k', body: generateBytes(10, 1) });
      const second = await store.put({ namespace, key: 'k', body: generateBytes(10, 2) });
      await rejectsWith(store.delete({ namespace, key: 'k', ifMatch: first.etag }), 'PRECONDITION_FAILED', 'delete with a stale ifMatch');
      assert.equal((await store.head({ namespace, key: 'k' }))?.etag, second.etag);
      assert.equal(await store.delete({ namespace, key: 'k', ifMatch: second.etag }), true);
      assert.equal(await store.head({ namespace, key: 'k' }), undefined);
    });
  });
}
