import { strict as assert } from 'node:assert';
import type { JsonValue } from '@sanctum/storage-core';
import type { RecordSuite } from './record-contract.js';

const SAMPLES: ReadonlyArray<readonly [string, JsonValue]> = [
  ['object', { name: 'Ada', tags: ['a', 'b'], nested: { deep: { n: 1 } } }],
  ['array', [1, 'two', null, true, { three: 3 }, []]],
  ['string', 'plain text'],
  ['unicode', 'Grüße — €, 日本語, emoji 😀'],
  ['empty-string', ''],
  ['integer', 9007199254740991],
  ['negative-float', -1234.5678],
  ['zero', 0],
  ['true', true],
  ['false', false],
  ['null', null],
  ['empty-object', {}],
  ['empty-array', []],
];

/** CRUD, versions, ETags and isolation. */
export function registerBasics({ describe, it, options }: RecordSuite): void {
  describe('basics', () => {
    it('declares exactly the capabilities the suite was given', async (store) => {
      assert.equal(store.kind, 'record');
      assert.equal(typeof store.name, 'string');
      assert.ok(store.name.length > 0, 'name must not be empty');
      const { ttl, bulk, transactions, splice } = store.capabilities;
      // `splice` is optional in RecordCapabilities: absent means false, on either side.
      const given = options.capabilities;
      assert.deepEqual(
        { ttl, bulk, transactions, splice: splice ?? false },
        { ttl: given.ttl, bulk: given.bulk, transactions: given.transactions, splice: given.splice ?? false },
      );
    });

    it('get of an absent key returns undefined', async (store, namespace) => {
      assert.equal(await store.get({ namespace, key: 'absent' }), undefined);
    });

    it('put then get returns the value with version 1 and the etag of the write', async (store, namespace) => {
      const written = await store.put({ namespace, key: 'k', value: { a: 1 } });
      assert.equal(written.version, 1);
      assert.equal(typeof written.etag, 'string');
      assert.ok(written.etag.length > 0, 'etag must not be empty');
      const entry = await store.get({ namespace, key: 'k' });
      assert.ok(entry, 'the record must exist after put');
      assert.equal(entry.key, 'k');
      assert.deepEqual(entry.value, { a: 1 });
      assert.equal(entry.version, 1);
      assert.equal(entry.etag, written.etag);
      assert.equal(entry.expiresAt, undefined, 'a record written without ttlMs has no expiresAt');
    });

    it('every kind of JSON value round-trips unchanged', async (store, namespace) => {
      for (const [key, value] of SAMPLES) await store.put({ namespace, key, value });
      for (const [key, value] of SAMPLES) {
        const entry = await store.get({ namespace, key });
        assert.deepEqual(entry?.value, value, `value of ${key}`);
      }
    });

    it('stored values are copies: mutating the written or the read object changes nothing', async (store, namespace) => {
      const value = { list: [1, 2], inner: { n: 1 } };
      await store.put({ namespace, key: 'k', value });
      value.list.push(3);
      value.inner.n = 99;
      const first = await store.get({ namespace, key: 'k' });
      assert.deepEqual(first?.value, { list: [1, 2], inner: { n: 1 } });
      (first?.value as { inner: { n: number } }).inner.n = 42;
      const second = await store.get({ namespace, key: 'k' });
      assert.deepEqual(second?.value, { list: [1, 2], inner: { n: 1 } });
    });

    it('each write bumps the version by one and gets a new etag', async (store, namespace) => {
      const etags = new Set<string>();
      for (let round = 1; round <= 5; round += 1) {
        const written = await store.put({ namespace, key: 'k', value: round });
        assert.equal(written.version, round);
        assert.ok(!etags.has(written.etag), `write ${String(round)} reused an etag`);
        etags.add(written.etag);
        const entry = await store.get({ namespace, key: 'k' });
        assert.equal(entry?.version, round);
        assert.equal(entry?.etag, written.etag);
        assert.equal(entry?.value, round);
      }
    });

    it('delete returns true, then false, and the key reads as absent', async (store, namespace) => {
      await store.put({ namespace, key: 'k', value: 1 });
      assert.equal(await store.delete({ namespace, key: 'k' }), true);
      assert.equal(await store.get({ namespace, key: 'k' }), undefined);
      assert.equal(await store.delete({ namespace, key: 'k' }), false);
      assert.equal(await store.delete({ namespace, key: 'never-written' }), false);
    });

    it('a re-created key starts again at version 1 with an etag never seen before', async (store, namespace) => {
      const seen = new Set<string>();
      for (let cycle = 0; cycle < 3; cycle += 1) {
        const first = await store.put({ namespace, key: 'k', value: cycle });
        const second = await store.put({ namespace, key: 'k', value: cycle });
        assert.equal(first.version, 1, 'version restarts at 1 after a delete');
        assert.equal(second.version, 2);
        for (const etag of [first.etag, second.etag]) {
          assert.ok(!seen.has(etag), 'an etag was reused across delete and re-create');
          seen.add(etag);
        }
        assert.equal(await store.delete({ namespace, key: 'k' }), true);
      }
    });

    it('an etag is never reused across delete and re-create with identical content', async (store, namespace) => {
      const seen = new Set<string>();
      const value = { same: 'content' };
      for (let cycle = 0; cycle < 3; cycle += 1) {
        const written = await store.put({ namespace, key: 'k', value });
        assert.equal(written.version, 1);
        assert.ok(!seen.has(written.etag), `cycle ${String(cycle)}: the re-created record got an etag seen before`);
        seen.add(written.etag);
        assert.equal(await store.delete({ namespace, key: 'k' }), true);
      }
    });

    it('namespaces are isolated from each other', async (store, namespace) => {
      const other = `${namespace}-other`;
      await store.put({ namespace, key: 'k', value: 'here' });
      assert.equal(await store.get({ namespace: other, key: 'k' }), undefined);
      await store.put({ namespace: other, key: 'k', value: 'there' });
      assert.equal((await store.get({ namespace, key: 'k' }))?.value, 'here');
      await store.delete({ namespace: other, key: 'k' });
      assert.equal((await store.get({ namespace, key: 'k' }))?.value, 'here');
      const page = await store.list({ namespace: other });
      assert.deepEqual(page.items, []);
    });
  });
}
