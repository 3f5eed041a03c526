import { strict as assert } from 'node:assert';
import { isStorageError, type StoredRecord } from '@sanctum/storage-core';
import type { CacheEntry } from '@sanctum/storage-core/spi';
import { READ_YOUR_WRITES_DEADLINE_MS, cacheKey } from '@sanctum/storage-core/testing';
import { assertStorageError, rejectsWith } from '../support/assert-error.js';
import type { GoldenSuite } from './facade-golden.js';

interface Counter {
  [key: string]: number;
  n: number;
}

const older = (n: number, version: number, etag: string): CacheEntry => ({ value: { n }, version, etag, storedAt: Date.now() });

/** The four ADR-001 acceptance tests. */
export function registerAcceptance({ describe, it, options }: GoldenSuite): void {
  const budgetMs = READ_YOUR_WRITES_DEADLINE_MS + (options.strongReadSlackMs ?? 100);

  describe('ADR-001 acceptance', () => {
    it('write → strong read returns the new version within 100 ms or throws CONSISTENCY', async ({ client, cache, ns }) => {
      const records = client.records<Counter>(ns.records);
      let previous = await records.put('k', { n: 1 });
      for (let n = 2; n <= 11; n += 1) {
        const written = await records.put('k', { n });
        // A racing fill left the previous version in the cache: a strong read must not serve it.
        await cache.set(cacheKey(ns.records, 'k'), older(n - 1, previous.version, previous.etag), 60_000);
        const started = performance.now();
        try {
          const read = await records.get('k', { consistency: 'strong' });
          assert.equal(read.version, written.version, 'a strong read after a write returned another version');
          assert.equal(read.etag, written.etag);
          assert.deepEqual(read.value, { n });
        } catch (error) {
          if (error instanceof assert.AssertionError) throw error;
          assertStorageError(error, 'CONSISTENCY', 'a strong read after a write');
        }
        const elapsed = performance.now() - started;
        assert.ok(elapsed <= budgetMs, `the strong read took ${elapsed.toFixed(0)} ms (deadline ${String(READ_YOUR_WRITES_DEADLINE_MS)} ms)`);
        previous = written;
      }
    });

    it('eventual reads never throw CONSISTENCY, also when the cache holds an older entry', async ({ client, cache, ns }) => {
      const records = client.records<Counter>(ns.records);
      let previous = await records.put('k', { n: 1 });
      await records.get('k', { consistency: 'eventual' });
      const check = (read: StoredRecord<Counter>, newest: number) => {
        assert.equal(read.value.n, read.version, 'an eventual read mixed the value of one version with another version');
        assert.ok(read.version >= newest - 1 && read.version <= newest, `an eventual read returned version ${String(read.version)}`);
      };
      for (let n = 2; n <= 11; n += 1) {
        const written = await records.put('k', { n });
        await cache.set(cacheKey(ns.records, 'k'), older(n - 1, previous.version, previous.etag), 60_000);
        check(await records.get('k', { consistency: 'eventual' }), written.version);
        previous = written;
      }
      // Readers racing writers: whatever they see, they never see CONSISTENCY.
      const failures: unknown[] = [];
      const reads = Array.from({ length: 30 }, async () => {
        try {
          await records.get('k', { consistency: 'eventual' });
        } catch (error) {
          failures.push(error);
        }
      });
      const writes = Array.from({ length: 5 }, (_, i) => records.put(`other-${String(i)}`, { n: 1 }).then(() => records.put('k', { n: 0 })));
      await Promise.all([...reads, ...writes]);
      assert.deepEqual(
        failures.map((error) => (isStorageError(error) ? error.code : String(error))),
        [],
        'eventual reads failed',
      );
    });

    it('delete → strong read is NOT_FOUND, even with a ghost left in the cache', async ({ client, cache, ns }) => {
      const records = client.records<Counter>(ns.records);
      const written = await records.put('k', { n: 1 });
      await records.get('k', { consistency: 'strong' });
      await records.get('k', { consistency: 'eventual' });
      assert.equal(await records.delete('k'), true);
      await rejectsWith(records.get('k', { consistency: 'strong' }), 'NOT_FOUND', 'a strong read after delete');
      await cache.set(cacheKey(ns.records, 'k'), older(1, written.version, written.etag), 60_000);
      await rejectsWith(records.get('k', { consistency: 'strong' }), 'NOT_FOUND', 'a strong read after delete with a ghost in the cache');
      assert.equal(await records.find('k', { consistency: 'strong' }), undefined);
    });

    it('a poisoned cache entry is served by an eventual read until bypassCache heals it', async ({ client, cache, ns }) => {
      const records = client.records(ns.records);
      const real = await records.put('k', { real: true });
      await records.get('k', { consistency: 'eventual' });
      const poison: CacheEntry = { value: { poisoned: true }, version: 999, etag: 'poisoned', storedAt: Date.now() };
      await cache.set(cacheKey(ns.records, 'k'), poison, 60_000);
      const served = await records.get('k', { consistency: 'eventual' });
      assert.deepEqual(served.value, { poisoned: true }, 'an eventual read must be served by the cache (or the poison never reached the read path)');
      const healed = await records.get('k', { consistency: 'eventual', bypassCache: true });
      assert.deepEqual(healed.value, { real: true }, 'bypassCache must read the store');
      assert.equal(healed.version, real.version);
      assert.equal(healed.etag, real.etag);
      const after = await records.get('k', { consistency: 'eventual' });
      assert.deepEqual(after.value, { real: true }, 'bypassCache must refill the cache with the true entry');
      assert.equal((await cache.get(cacheKey(ns.records, 'k')))?.etag, real.etag);
    });
  });
}
