import { strict as assert } from 'node:assert';
import type { RecordEntry, RecordStore } from '@sanctum/storage-core/spi';
import { rejectsWith } from '../support/assert-error.js';
import type { RecordSuite } from './record-contract.js';

async function snapshot(store: RecordStore, namespace: string, key: string): Promise<RecordEntry | undefined> {
  return store.get({ namespace, key });
}

/** ifMatch / ifNoneMatch on put and delete, including every failure mode. */
export function registerConditions({ describe, it }: RecordSuite): void {
  describe('conditional writes', () => {
    it('ifMatch with the current etag writes', async (store, namespace) => {
      const first = await store.put({ namespace, key: 'k', value: 1 });
      const second = await store.put({ namespace, key: 'k', value: 2, ifMatch: first.etag });
      assert.equal(second.version, 2);
      assert.notEqual(second.etag, first.etag);
      assert.equal((await snapshot(store, namespace, 'k'))?.value, 2);
    });

    it('a stale ifMatch fails with PRECONDITION_FAILED and changes nothing', async (store, namespace) => {
      const first = await store.put({ namespace, key: 'k', value: 'v1' });
      await store.put({ namespace, key: 'k', value: 'v2' });
      const before = await snapshot(store, namespace, 'k');
      await rejectsWith(store.put({ namespace, key: 'k', value: 'lost', ifMatch: first.etag }), 'PRECONDITION_FAILED', 'put with a stale ifMatch');
      assert.deepEqual(await snapshot(store, namespace, 'k'), before, 'a failed conditional put must change nothing');
    });

    it('ifMatch on an absent key fails with PRECONDITION_FAILED and creates nothing', async (store, namespace) => {
      await rejectsWith(store.put({ namespace, key: 'k', value: 1, ifMatch: 'no-such-etag' }), 'PRECONDITION_FAILED', 'put with ifMatch on an absent key');
      assert.equal(await snapshot(store, namespace, 'k'), undefined);
    });

    it("ifNoneMatch '*' creates an absent key", async (store, namespace) => {
      const written = await store.put({ namespace, key: 'k', value: 1, ifNoneMatch: '*' });
      assert.equal(written.version, 1);
      assert.equal((await snapshot(store, namespace, 'k'))?.etag, written.etag);
    });

    it("ifNoneMatch '*' on an existing key fails with ALREADY_EXISTS and changes nothing", async (store, namespace) => {
      await store.put({ namespace, key: 'k', value: 'original' });
      const before = await snapshot(store, namespace, 'k');
      await rejectsWith(store.put({ namespace, key: 'k', value: 'overwrite', ifNoneMatch: '*' }), 'ALREADY_EXISTS', "put with ifNoneMatch '*' on an existing key");
      assert.deepEqual(await snapshot(store, namespace, 'k'), before);
    });

    it('an etag from before a delete does not match the re-created key', async (store, namespace) => {
      const old = await store.put({ namespace, key: 'k', value: 'old' });
      await store.delete({ namespace, key: 'k' });
      const recreated = await store.put({ namespace, key: 'k', value: 'new' });
      assert.equal(recreated.version, old.version, 'both are version 1; only the etag tells them apart');
      await rejectsWith(store.put({ namespace, key: 'k', value: 'lost', ifMatch: old.etag }), 'PRECONDITION_FAILED', 'put with an etag from before the delete');
      assert.equal((await snapshot(store, namespace, 'k'))?.value, 'new');
    });

    it('delete with a stale ifMatch fails with PRECONDITION_FAILED and keeps the record', async (store, namespace) => {
      const first = await store.put({ namespace, key: 'k', value: 1 });
      await store.put({ namespace, key: 'k', value: 2 });
      const before = await snapshot(store, namespace, 'k');
      await rejectsWith(store.delete({ namespace, key: 'k', ifMatch: first.etag }), 'PRECONDITION_FAILED', 'delete with a stale ifMatch');
      assert.deepEqual(await snapshot(store, namespace, 'k'), before);
    });

    it('delete with ifMatch on an absent key fails with PRECONDITION_FAILED', async (store, namespace) => {
      await rejectsWith(store.delete({ namespace, key: 'k', ifMatch: 'no-such-etag' }), 'PRECONDITION_FAILED', 'delete with ifMatch on an absent key');
    });

    it('delete with the current ifMatch deletes', async (store, namespace) => {
      const written = await store.put({ namespace, key: 'k', value: 1 });
      assert.equal(await store.delete({ namespace, key: 'k', ifMatch: written.etag }), true);
      assert.equal(await snapshot(store, namespace, 'k'), undefined);
    });
  });
}
