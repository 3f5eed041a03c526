import { strict as assert } from 'node:assert';
import { rejectsWith } from '../support/assert-error.js';
import { waitFor } from '../support/time.js';
import type { RecordSuite } from './record-contract.js';

/** Per-record TTL when declared; UNSUPPORTED when not. */
export function registerTtl({ describe, it, options }: RecordSuite): void {
  const { ttlMs, expiryGraceMs, clockSkewMs } = options;

  describe('ttl', () => {
    if (!options.capabilities.ttl) {
      it('ttl undeclared: a put with ttlMs fails with UNSUPPORTED and writes nothing', async (store, namespace) => {
        await rejectsWith(store.put({ namespace, key: 'k', value: 1, ttlMs: 60_000 }), 'UNSUPPORTED', 'put with ttlMs');
        assert.equal(await store.get({ namespace, key: 'k' }), undefined);
      });
      return;
    }

    it('a record written with ttlMs reports expiresAt and disappears after it', async (store, namespace) => {
      const before = Date.now();
      await store.put({ namespace, key: 'short', value: 'soon gone', ttlMs });
      await store.put({ namespace, key: 'long', value: 'stays', ttlMs: 3_600_000 });
      await store.put({ namespace, key: 'forever', value: 'stays' });
      const after = Date.now();
      const entry = await store.get({ namespace, key: 'short' });
      if (entry !== undefined) {
        assert.equal(typeof entry.expiresAt, 'number', 'a record with a TTL reports expiresAt');
        const expiresAt = entry.expiresAt!;
        assert.ok(
          expiresAt >= before + ttlMs - clockSkewMs && expiresAt <= after + ttlMs + clockSkewMs,
          `expiresAt ${String(expiresAt)} is not about now + ${String(ttlMs)} ms`,
        );
      }
      await waitFor(async () => (await store.get({ namespace, key: 'short' })) === undefined, ttlMs + expiryGraceMs, 'the record to expire');
      const keys = (await store.list({ namespace })).items.map((item) => item.key);
      assert.deepEqual(keys, ['forever', 'long'], 'listing must skip expired records and keep the others');
      assert.equal((await store.get({ namespace, key: 'long' }))?.value, 'stays');
    });

    it('an expired key counts as absent for conditions and versions', async (store, namespace) => {
      const old = await store.put({ namespace, key: 'k', value: 'old', ttlMs });
      await waitFor(async () => (await store.get({ namespace, key: 'k' })) === undefined, ttlMs + expiryGraceMs, 'the record to expire');
      await rejectsWith(store.put({ namespace, key: 'k', value: 'x', ifMatch: old.etag }), 'PRECONDITION_FAILED', 'ifMatch on an expired record');
      const created = await store.put({ namespace, key: 'k', value: 'new', ifNoneMatch: '*' });
      assert.equal(created.version, 1, 'an expired record is gone, so the next write starts at version 1');
      assert.notEqual(created.etag, old.etag);
    });

    it('a write without ttlMs removes an earlier TTL', async (store, namespace) => {
      await store.put({ namespace, key: 'k', value: 1, ttlMs });
      await store.put({ namespace, key: 'k', value: 2 });
      assert.equal((await store.get({ namespace, key: 'k' }))?.expiresAt, undefined);
      await new Promise((resolve) => setTimeout(resolve, ttlMs + 50));
      assert.equal((await store.get({ namespace, key: 'k' }))?.value, 2, 'the record expired although its last write had no TTL');
    });
  });
}
