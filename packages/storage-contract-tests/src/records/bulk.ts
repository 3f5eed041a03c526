import { strict as assert } from 'node:assert';
import { assertAbsentOrUnsupported, rejectsWith } from '../support/assert-error.js';
import type { RecordSuite } from './record-contract.js';

/** getMany / putMany / deleteMany when `bulk` is declared; absent or UNSUPPORTED when not. */
export function registerBulk({ describe, it, options }: RecordSuite): void {
  describe('bulk', () => {
    if (!options.capabilities.bulk) {
      it('bulk undeclared: getMany, putMany and deleteMany are absent or answer UNSUPPORTED', async (store, namespace) => {
        await assertAbsentOrUnsupported(store.getMany, () => store.getMany!({ namespace, keys: ['a'] }), 'getMany');
        await assertAbsentOrUnsupported(store.putMany, () => store.putMany!({ namespace, entries: [{ key: 'a', value: 1 }] }), 'putMany');
        await assertAbsentOrUnsupported(store.deleteMany, () => store.deleteMany!({ namespace, keys: ['a'] }), 'deleteMany');
        assert.equal(await store.get({ namespace, key: 'a' }), undefined, 'an unsupported putMany must write nothing');
      });
      return;
    }

    it('getMany returns entries in request order with undefined for absent keys', async (store, namespace) => {
      assert.equal(typeof store.getMany, 'function', 'bulk is declared, so getMany must exist');
      const a = await store.put({ namespace, key: 'a', value: 'A' });
      const c = await store.put({ namespace, key: 'c', value: 'C' });
      const entries = await store.getMany!({ namespace, keys: ['c', 'b', 'a'] });
      assert.equal(entries.length, 3);
      assert.deepEqual(entries[0], { key: 'c', value: 'C', version: 1, etag: c.etag });
      assert.equal(entries[1], undefined);
      assert.deepEqual(entries[2], { key: 'a', value: 'A', version: 1, etag: a.etag });
    });

    it('putMany writes every entry and returns their versions and etags in order', async (store, namespace) => {
      assert.equal(typeof store.putMany, 'function', 'bulk is declared, so putMany must exist');
      await store.put({ namespace, key: 'b', value: 'old' });
      const results = await store.putMany!({ namespace, entries: [{ key: 'a', value: 1 }, { key: 'b', value: 2 }] });
      assert.equal(results.length, 2);
      assert.equal(results[0]?.version, 1);
      assert.equal(results[1]?.version, 2);
      const a = await store.get({ namespace, key: 'a' });
      const b = await store.get({ namespace, key: 'b' });
      assert.equal(a?.etag, results[0]?.etag);
      assert.equal(b?.etag, results[1]?.etag);
      assert.equal(b?.value, 2);
    });

    it('putMany is all-or-nothing when one condition fails', async (store, namespace) => {
      const stale = await store.put({ namespace, key: 'existing', value: 'v1' });
      await store.put({ namespace, key: 'existing', value: 'v2' });
      const before = await store.get({ namespace, key: 'existing' });
      await rejectsWith(
        store.putMany!({
          namespace,
          entries: [
            { key: 'fresh', value: 'new' },
            { key: 'existing', value: 'lost', ifMatch: stale.etag },
          ],
        }),
        'PRECONDITION_FAILED',
        'putMany with one stale ifMatch',
      );
      assert.equal(await store.get({ namespace, key: 'fresh' }), undefined, 'putMany wrote part of a failed batch');
      assert.deepEqual(await store.get({ namespace, key: 'existing' }), before);
      await rejectsWith(
        store.putMany!({ namespace, entries: [{ key: 'fresh', value: 'new' }, { key: 'existing', value: 'x', ifNoneMatch: '*' }] }),
        'ALREADY_EXISTS',
        "putMany with one ifNoneMatch '*' on an existing key",
      );
      assert.equal(await store.get({ namespace, key: 'fresh' }), undefined, 'putMany wrote part of a failed batch');
    });

    it('deleteMany returns how many records it deleted', async (store, namespace) => {
      assert.equal(typeof store.deleteMany, 'function', 'bulk is declared, so deleteMany must exist');
      await store.put({ namespace, key: 'a', value: 1 });
      await store.put({ namespace, key: 'b', value: 2 });
      assert.equal(await store.deleteMany!({ namespace, keys: ['a', 'b', 'never'] }), 2);
      assert.equal(await store.get({ namespace, key: 'a' }), undefined);
      assert.equal(await store.get({ namespace, key: 'b' }), undefined);
    });
  });
}
