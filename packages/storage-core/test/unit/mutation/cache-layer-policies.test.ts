import { describe, expect, it } from 'vitest';
import { createStorageClient, type LogEvent } from '../../../src/index.js';
import { createMemoryRecordStore, type RecordStore } from '../../../src/spi/index.js';
import { cacheKey } from '../../../src/testing.js';
import { createPeekingTestCache, createTestCache, factoryOf, type TestCache } from '../../support/map-cache.js';
import { withGet } from '../../support/lagging-store.js';

// The cache layer's policies (ADR-001) under a controlled clock: TTLs, staleness budget, stale-if-error,
// failure policy and the events it logs, transactions, bulk writes, single-flight.
type Options = {
  consistency?: 'strong' | 'eventual' | 'cache_only';
  cacheTtlMs?: number;
  stalenessBudgetMs?: number;
  staleIfErrorMs?: number;
  onCacheFailure?: 'fail-open' | 'fail-closed';
};

function setup(
  options: Options = {},
  { peek = false, store = createMemoryRecordStore() as RecordStore, prepare = (_cache: TestCache): void => undefined } = {},
) {
  let clock = 10_000;
  const now = () => clock;
  const cache: TestCache = peek ? createPeekingTestCache(now) : createTestCache(now);
  prepare(cache); // before the client exists: core takes the cache's methods when it opens it
  const events: LogEvent[] = [];
  const client = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { db: { use: 'under-test' } },
      caches: { hot: { use: 'under-test' } },
      namespaces: { users: { kind: 'record', adapter: 'db', cache: 'hot', cacheTtlMs: 1_000, ...options } },
    },
    { adapters: [factoryOf(store), factoryOf(cache)], now, logger: { log: (event) => events.push(event) } },
  );
  return { client, users: client.records<string>('users'), cache, store, events, advance: (ms: number) => (clock += ms), now };
}

const entryOf = (cache: TestCache, key: string) => cache.entries.get(cacheKey('users', key));

describe('cache fills', () => {
  it('a fill lives for cacheTtlMs + staleIfErrorMs, with the version and etag it was read at', async () => {
    const { users, cache, now } = setup({ consistency: 'eventual', cacheTtlMs: 1_000, staleIfErrorMs: 500 });
    const written = await users.put('k', 'v');
    await users.get('k');
    const stored = entryOf(cache, 'k')!;
    expect(stored.until - now()).toBe(1_500);
    expect(stored.entry).toMatchObject({ value: 'v', version: written.version, etag: written.etag, storedAt: now() });
  });

  it('an absent record is not cached (a later write is seen at once by eventual reads)', async () => {
    const { users, cache, store } = setup({ consistency: 'eventual' });
    expect(await users.find('k')).toBeUndefined();
    expect(cache.entries.size).toBe(0);
    await store.put({ namespace: 'users', key: 'k', value: 'direct' });
    expect((await users.get('k')).value).toBe('direct');
  });
});

describe('eventual reads and TTL', () => {
  it('an entry is served up to cacheTtlMs old, and re-read from the store after', async () => {
    const { users, store, advance } = setup({ consistency: 'eventual', cacheTtlMs: 1_000, staleIfErrorMs: 5_000 });
    await users.put('k', 'v1');
    await users.get('k');
    await store.put({ namespace: 'users', key: 'k', value: 'v2' }); // behind the cache's back
    advance(1_000);
    expect((await users.get('k')).value).toBe('v1');
    advance(1);
    expect((await users.get('k')).value).toBe('v2');
  });

  it('stale-if-error serves an entry up to cacheTtlMs + staleIfErrorMs old, counted as stale, then rethrows', async () => {
    let failing = false;
    const inner = createMemoryRecordStore();
    const store = withGet(inner, async (request) => {
      if (failing) throw new Error('store down');
      return inner.get(request);
    });
    const { users, cache, advance } = setup({ consistency: 'eventual', cacheTtlMs: 1_000, staleIfErrorMs: 500 }, { store });
    await users.put('k', 'v1');
    await users.get('k');
    entryOf(cache, 'k')!.until = Infinity; // only the layer's own age check decides from here
    failing = true;
    advance(1_500);
    expect((await users.get('k')).value).toBe('v1');
    advance(1);
    await expect(users.get('k')).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('without a cached entry, a failing store fails an eventual read', async () => {
    const inner = createMemoryRecordStore();
    const store = withGet(inner, async () => {
      throw new Error('store down');
    });
    const { users } = setup({ consistency: 'eventual' }, { store });
    await expect(users.get('k')).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});

describe('strong reads and the staleness budget', () => {
  it('an entry younger than the budget is served; at the budget it is not', async () => {
    const { users, store, advance } = setup({ consistency: 'strong', cacheTtlMs: 1_000, stalenessBudgetMs: 200 });
    await users.put('k', 'v1');
    await users.get('k'); // fills
    await store.put({ namespace: 'users', key: 'k', value: 'v2' });
    advance(199);
    expect((await users.get('k')).value).toBe('v1');
    advance(1);
    expect((await users.get('k')).value).toBe('v2');
  });

  it('the budget never exceeds cacheTtlMs', async () => {
    const { users, store, advance } = setup({ consistency: 'strong', cacheTtlMs: 100, stalenessBudgetMs: 10_000, staleIfErrorMs: 10_000 });
    await users.put('k', 'v1');
    await users.get('k');
    await store.put({ namespace: 'users', key: 'k', value: 'v2' });
    advance(99);
    expect((await users.get('k')).value).toBe('v1');
    advance(1); // the entry is still in the cache (TTL + stale-if-error) but past cacheTtlMs
    expect((await users.get('k')).value).toBe('v2');
  });

  it('a synchronous (peek) hit obeys the budget too', async () => {
    const { users, store, cache, advance } = setup({ consistency: 'strong', cacheTtlMs: 1_000, stalenessBudgetMs: 200 }, { peek: true });
    await users.put('k', 'v1');
    await users.get('k');
    await store.put({ namespace: 'users', key: 'k', value: 'v2' });
    advance(100);
    expect((await users.get('k')).value).toBe('v1');
    expect((cache as TestCache & { peeks: number }).peeks).toBeGreaterThan(0);
    advance(100);
    expect((await users.get('k')).value).toBe('v2');
  });

  it('a peek that throws falls back to the full path, which applies the failure policy', async () => {
    const { users, cache } = setup({ consistency: 'eventual', onCacheFailure: 'fail-closed' }, { peek: true });
    await users.put('k', 'v');
    cache.failing = true;
    await expect(users.get('k')).rejects.toMatchObject({ code: 'UNAVAILABLE', operation: 'records.cache.get', namespace: 'users' });
  });
});

describe('cache failures', () => {
  it('fail-closed: UNAVAILABLE naming the cache operation and namespace, with the cause, and a warn log', async () => {
    const { users, cache, events } = setup({ consistency: 'eventual', onCacheFailure: 'fail-closed' });
    cache.failing = true;
    const error = await users.get('k').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'UNAVAILABLE',
      operation: 'records.cache.get',
      namespace: 'users',
      message: 'cache get failed and namespace "users" is fail-closed',
    });
    expect((error as Error).cause).toMatchObject({ message: 'cache down' });
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'storage.cache.error', level: 'warn', namespace: 'users', operation: 'get', policy: 'fail-closed', message: 'cache down' }),
    );
  });

  it('fail-closed also fails a write whose purge fails, naming the delete', async () => {
    const { users, cache } = setup({ consistency: 'eventual', onCacheFailure: 'fail-closed' });
    cache.failing = true;
    await expect(users.put('k', 'v')).rejects.toMatchObject({ code: 'UNAVAILABLE', operation: 'records.cache.delete' });
  });

  it('fail-open: reads and writes go to the store, and each failure is logged with its operation and policy', async () => {
    const { users, cache, events } = setup({ consistency: 'eventual', onCacheFailure: 'fail-open' });
    cache.failing = true;
    await users.put('k', 'v');
    expect((await users.get('k')).value).toBe('v');
    const logged = events.filter((event) => event.event === 'storage.cache.error');
    expect(logged.map((event) => event.operation)).toEqual(['delete', 'get', 'set']);
    for (const event of logged) expect(event).toMatchObject({ level: 'warn', policy: 'fail-open', namespace: 'users' });
  });

  it('a cache failure that is not an Error is logged as its string form', async () => {
    const { users, events } = setup(
      { consistency: 'eventual' },
      {
        prepare: (cache) => {
          cache.get = async () => {
            throw 'plain failure'; // a driver may throw a non-Error
          };
        },
      },
    );
    await users.find('k');
    expect(events).toContainEqual(expect.objectContaining({ event: 'storage.cache.error', message: 'plain failure' }));
  });

  it('a failed invalidation fan-out is logged and does not fail the write', async () => {
    const { users, events } = setup(
      { consistency: 'eventual' },
      { prepare: (cache) => void Object.assign(cache, { publishInvalidation: () => Promise.reject(new Error('pubsub down')) }) },
    );
    await users.put('k', 'v');
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'storage.cache.invalidation_failed', level: 'warn', namespace: 'users', message: 'Error: pubsub down' }),
    );
  });
});

describe('invalidations from other clients', () => {
  function withBus() {
    const listeners: Array<(keys: readonly string[]) => void> = [];
    const deletes: string[][] = [];
    const published: string[][] = [];
    const prepare = (cache: TestCache) => {
      const realDelete = cache.delete.bind(cache);
      Object.assign(cache, {
        onInvalidation: (listener: (keys: readonly string[]) => void) => {
          listeners.push(listener);
          return () => undefined;
        },
        publishInvalidation: async (keys: readonly string[]) => void published.push([...keys]),
        delete: async (keys: readonly string[]) => {
          deletes.push([...keys]);
          return realDelete(keys);
        },
      });
    };
    return { ...setup({ consistency: 'eventual' }, { prepare }), listeners, deletes, published };
  }

  it('drops only this namespace\'s keys, and does nothing for a message about other namespaces', async () => {
    const s = withBus();
    await s.users.put('a', '1');
    await s.users.get('a');
    s.deletes.length = 0;
    s.listeners[0]!([cacheKey('orders', 'a')]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.deletes).toEqual([]);
    s.listeners[0]!([cacheKey('orders', 'a'), cacheKey('users', 'a')]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.deletes).toEqual([[cacheKey('users', 'a')]]);
    expect(entryOf(s.cache, 'a')).toBeUndefined();
  });

  it('a write publishes the physical keys it purged', async () => {
    const s = withBus();
    await s.users.put('a', '1');
    await s.users.putMany([
      { key: 'b', value: '2' },
      { key: 'c', value: '3' },
    ]);
    expect(s.published).toEqual([[cacheKey('users', 'a')], [cacheKey('users', 'b'), cacheKey('users', 'c')]]);
  });
});

describe('bulk writes and transactions purge what they wrote', () => {
  it('putMany and deleteMany purge every key they wrote, and strong reads then see the new versions', async () => {
    const { users, cache } = setup({ consistency: 'eventual' });
    await users.put('a', 'a1');
    await users.put('b', 'b1');
    await users.get('a');
    await users.get('b');
    expect(cache.entries.size).toBe(2);
    await users.putMany([
      { key: 'a', value: 'a2' },
      { key: 'b', value: 'b2' },
    ]);
    expect(cache.entries.size).toBe(0);
    expect((await users.get('a')).value).toBe('a2');
    expect((await users.get('b')).value).toBe('b2');
    await users.deleteMany(['a', 'b']);
    expect(cache.entries.size).toBe(0);
    expect(await users.find('a', { consistency: 'strong' })).toBeUndefined();
  });

  it('a transaction reads through the cache and purges its keys only after commit', async () => {
    const { users, cache } = setup({ consistency: 'eventual' });
    await users.put('a', 'a1');
    await users.put('b', 'b1');
    await users.get('a');
    await users.get('b');
    await users.transaction(async (tx) => {
      await tx.put('a', 'a2');
      await tx.delete('b');
      expect(cache.entries.has(cacheKey('users', 'a'))).toBe(true); // not yet committed
      expect((await tx.get('a')).value).toBe('a2'); // its own write, not the cached a1
    });
    expect(cache.entries.size).toBe(0);
    expect((await users.get('a')).value).toBe('a2');
    expect(await users.find('b')).toBeUndefined();
  });

  it('a read-only transaction purges nothing and caches nothing', async () => {
    const deletes: unknown[] = [];
    const { users, cache } = setup(
      { consistency: 'eventual' },
      {
        prepare: (c) => {
          const realDelete = c.delete.bind(c);
          c.delete = async (keys) => {
            deletes.push(keys);
            return realDelete(keys);
          };
        },
      },
    );
    await users.put('a', 'a1');
    await users.get('a');
    deletes.length = 0;
    await users.transaction(async (tx) => {
      await tx.get('a');
    });
    expect(deletes).toEqual([]);
    expect(cache.entries.size).toBe(1);
  });

  it('after a transaction wrote a key, a strong read waits for that version (read-your-writes)', async () => {
    const { users } = setup({ consistency: 'strong' });
    await users.put('a', 'a1');
    await users.transaction(async (tx) => {
      await tx.put('a', 'a2');
    });
    expect((await users.get('a', { consistency: 'strong' })).value).toBe('a2');
  });
});

describe('bypassCache and cache_only', () => {
  it('bypassCache on an absent key deletes exactly that key from the cache', async () => {
    const { users, cache, store } = setup({ consistency: 'eventual' });
    await users.put('a', '1');
    await users.put('b', '1');
    await users.get('a');
    await users.get('b');
    await store.delete({ namespace: 'users', key: 'a' });
    expect(await users.find('a', { bypassCache: true })).toBeUndefined();
    expect(entryOf(cache, 'a')).toBeUndefined();
    expect(entryOf(cache, 'b')).toBeDefined();
  });

  it('bypassCache refills the cache with what the store holds', async () => {
    const { users, cache, store } = setup({ consistency: 'eventual' });
    await users.put('a', '1');
    await users.get('a');
    await store.put({ namespace: 'users', key: 'a', value: '2' });
    expect((await users.get('a', { bypassCache: true })).value).toBe('2');
    expect(entryOf(cache, 'a')!.entry.value).toBe('2');
  });

  it('cache_only names the namespace in its CACHE_MISS', async () => {
    const { users } = setup({ consistency: 'cache_only' });
    await expect(users.get('k')).rejects.toMatchObject({
      code: 'CACHE_MISS',
      operation: 'records.get',
      namespace: 'users',
      message: 'no fresh cache entry for this key in namespace "users"',
    });
  });
});
