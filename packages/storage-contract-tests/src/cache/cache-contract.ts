import { strict as assert } from 'node:assert';
import type { CacheCapabilities, CacheEntry, CacheStore } from '@sanctum/storage-core/spi';
import type { SuiteOptions } from '../runner.js';
import { token } from '../support/ids.js';
import { withStore } from '../support/lifecycle.js';
import { sleep, waitFor } from '../support/time.js';

/** Options of {@link cacheStoreContract}. */
export interface CacheStoreContractOptions extends SuiteOptions<CacheStore> {
  /** What the cache declares; a `shared` cache must fan invalidations out between two instances. */
  readonly capabilities: CacheCapabilities;
  /** TTL of the expiry test. @default 100 */
  readonly ttlMs?: number;
  /** How long past its TTL an entry may still be served. @default 2_000 */
  readonly expiryGraceMs?: number;
  /** Longest wait for an invalidation to reach the other instance (shared caches). @default 5_000 */
  readonly timeoutMs?: number;
}

const entry = (value: unknown, version: number | string = 1): CacheEntry => ({ value, version, etag: `etag-${String(version)}`, storedAt: Date.now() });

/**
 * Registers the CacheStore contract: get/set/delete/clear, every entry field round-tripping, TTL
 * expiry that spares longer-lived entries, and — for shared caches — invalidations reaching another
 * instance. Keys are random per test, so the suite can share a server with other users (except
 * the `clear` test, which clears the whole cache it was given).
 */
export function cacheStoreContract(options: CacheStoreContractOptions): void {
  const { runner } = options;
  const ttlMs = options.ttlMs ?? 100;
  const grace = options.expiryGraceMs ?? 2_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const it = (name: string, body: (cache: CacheStore, key: (name: string) => string) => Promise<void>) => {
    runner.it(name, () =>
      withStore(options.create, (cache) => {
        const prefix = `${options.namespacePrefix ?? 'contract'}-cache-${token()}`;
        return body(cache, (name) => `${prefix}\u0000${name}`);
      }),
    );
  };

  runner.describe(options.title ?? 'CacheStore contract', () => {
    it('declares exactly the capabilities the suite was given', async (cache) => {
      assert.equal(cache.kind, 'cache');
      assert.ok(typeof cache.name === 'string' && cache.name.length > 0, 'name must be a non-empty string');
      assert.deepEqual({ shared: cache.capabilities.shared }, options.capabilities);
    });

    it('get of an absent key returns undefined', async (cache, key) => {
      assert.equal(await cache.get(key('absent')), undefined);
    });

    it('every entry field round-trips: value, numeric and string versions, etag and storedAt', async (cache, key) => {
      const numeric: CacheEntry = { value: { name: 'Ada', tags: ['x'], nested: { n: 1 }, nothing: null }, version: 7, etag: 'e-7', storedAt: 1_700_000_000_123 };
      const text: CacheEntry = { value: 'plain', version: 'v-42', etag: '"quoted-etag"', storedAt: 1_700_000_000_456 };
      await cache.set(key('numeric'), numeric, 60_000);
      await cache.set(key('text'), text, 60_000);
      assert.deepEqual(await cache.get(key('numeric')), numeric);
      assert.deepEqual(await cache.get(key('text')), text);
    });

    it('set overwrites an existing entry', async (cache, key) => {
      await cache.set(key('k'), entry('old', 1), 60_000);
      await cache.set(key('k'), entry('new', 2), 60_000);
      const got = await cache.get(key('k'));
      assert.equal(got?.value, 'new');
      assert.equal(got?.version, 2);
    });

    it('delete removes exactly the given keys and ignores absent ones', async (cache, key) => {
      for (const name of ['a', 'b', 'c']) await cache.set(key(name), entry(name), 60_000);
      await cache.delete([key('a'), key('b'), key('never')]);
      await cache.delete([]);
      assert.equal(await cache.get(key('a')), undefined);
      assert.equal(await cache.get(key('b')), undefined);
      assert.equal((await cache.get(key('c')))?.value, 'c');
    });

    it('clear removes every entry', async (cache, key) => {
      for (const name of ['a', 'b', 'c']) await cache.set(key(name), entry(name), 60_000);
      await cache.clear();
      for (const name of ['a', 'b', 'c']) assert.equal(await cache.get(key(name)), undefined, `${name} survived clear()`);
    });

    it('an entry expires after its ttl while longer-lived entries stay', async (cache, key) => {
      await cache.set(key('short'), entry('short'), ttlMs);
      await cache.set(key('long'), entry('long'), 3_600_000);
      await waitFor(async () => (await cache.get(key('short'))) === undefined, ttlMs + grace, `the entry to expire after ${String(ttlMs)} ms`);
      assert.equal((await cache.get(key('long')))?.value, 'long', 'an entry with a long ttl expired early');
    });

    it('a ttl is counted from the latest set', async (cache, key) => {
      await cache.set(key('k'), entry('first'), ttlMs);
      await sleep(ttlMs / 2);
      await cache.set(key('k'), entry('second'), 3_600_000);
      await sleep(ttlMs);
      assert.equal((await cache.get(key('k')))?.value, 'second', 'the entry expired by the ttl of an earlier set');
    });

    if (options.capabilities.shared) {
      it('shared: an invalidation published by one instance reaches the other', async (cache, key) => {
        assert.equal(typeof cache.publishInvalidation, 'function', 'a shared cache must publish invalidations');
        assert.equal(typeof cache.onInvalidation, 'function', 'a shared cache must receive invalidations');
        await withStore(options.create, async (other) => {
          const received: string[] = [];
          const unsubscribe = other.onInvalidation!((keys) => received.push(...keys));
          try {
            await sleep(50);
            await cache.publishInvalidation!([key('a'), key('b')]);
            await waitFor(() => received.includes(key('a')) && received.includes(key('b')), timeoutMs, 'the other instance to hear the invalidation');
          } finally {
            unsubscribe();
          }
        });
      });
    } else {
      it('not shared: publishing an invalidation, if offered, is harmless', async (cache, key) => {
        await cache.set(key('k'), entry('kept'), 60_000);
        if (cache.publishInvalidation !== undefined) await cache.publishInvalidation([key('other')]);
        assert.equal((await cache.get(key('k')))?.value, 'kept');
      });
    }
  });
}
