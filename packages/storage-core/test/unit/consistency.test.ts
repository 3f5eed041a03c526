import { describe, expect, it } from 'vitest';
import { createStorageClient, isStorageError, type StorageMetrics } from '../../src/index.js';
import { createMemoryRecordStore, type CacheEntry } from '../../src/spi/index.js';
import { cacheKey } from '../../src/testing.js';
import { createPeekingTestCache, createTestCache, factoryOf, type TestCache } from '../support/map-cache.js';
import { laggingStore, withGet } from '../support/lagging-store.js';

type Options = { consistency?: 'strong' | 'eventual' | 'cache_only'; stalenessBudgetMs?: number; staleIfErrorMs?: number; onCacheFailure?: 'fail-open' | 'fail-closed' };

function setup(options: Options = {}, lagMs = () => 0) {
  const cache = createTestCache();
  const store = laggingStore(createMemoryRecordStore(), lagMs);
  const counts = new Map<string, number>();
  const client = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { db: { use: 'under-test' } },
      caches: { hot: { use: 'under-test' } },
      namespaces: { users: { kind: 'record', adapter: 'db', cache: 'hot', cacheTtlMs: 60_000, ...options } },
    },
    { adapters: [factoryOf(store), factoryOf(cache)], metrics: countingMetrics(counts) },
  );
  return { client, users: client.records<{ name: string }>('users'), cache, store, counts };
}

function countingMetrics(counts: Map<string, number>): StorageMetrics {
  const counter = (name: string) => ({
    bind: (given: object) => {
      const labels = given as Record<string, string>;
      return {
      inc: () => {
        const key = `${name}:${labels['result'] ?? labels['outcome'] ?? labels['code'] ?? ''}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      },
      observe: () => {},
      set: () => {},
    };
    },
  });
  return {
    requestsTotal: counter('requests'),
    errorsTotal: counter('errors'),
    retriesTotal: counter('retries'),
    durationSeconds: counter('duration'),
    payloadBytes: counter('payload'),
    cacheRequestsTotal: counter('cache'),
    circuitState: counter('circuit'),
    consistencyViolationsTotal: counter('violations'),
  };
}

function poison(cache: TestCache, key: string, value: unknown): void {
  const entry: CacheEntry = { value, version: 999, etag: 'poison', storedAt: Date.now() };
  cache.entries.set(cacheKey('users', key), { entry, until: Date.now() + 60_000 });
}

describe('ADR-001 consistency', () => {
  it('strong read after write returns the new version (no lag)', async () => {
    const { users } = setup();
    const first = await users.put('u1', { name: 'A' });
    const second = await users.put('u1', { name: 'B' }, { ifMatch: first.etag });
    const read = await users.get('u1');
    expect(read.version).toBe(second.version);
    expect(read.value).toEqual({ name: 'B' });
  });

  it('strong read waits out a short lag, within 100 ms', async () => {
    const { users } = setup({}, () => 30);
    await users.put('u1', { name: 'A' });
    await new Promise((r) => setTimeout(r, 40));
    await users.put('u1', { name: 'B' });
    // The first read is stale (30 ms lag), so B proves the retry; past the 100 ms deadline the
    // layer throws CONSISTENCY instead (next test), so a wall-clock bound here would only add flakiness.
    const read = await users.get('u1');
    expect(read.value).toEqual({ name: 'B' });
  });

  it('strong read throws CONSISTENCY when the store lags past 100 ms, and counts it', async () => {
    const { users, counts } = setup({}, () => 1_000);
    await users.put('u1', { name: 'A' });
    const started = Date.now();
    const error = await users.get('u1').catch((e: unknown) => e);
    expect(isStorageError(error, 'CONSISTENCY')).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
    // It waited out the read-your-writes deadline before giving up.
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(counts.get('violations:')).toBe(1);
  });

  it('eventual reads never throw CONSISTENCY, even with a lagging store and an older cache entry', async () => {
    const { users, cache } = setup({}, () => 1_000);
    await users.put('u1', { name: 'A' });
    poison(cache, 'u1', { name: 'old' });
    const read = await users.get('u1', { consistency: 'eventual' });
    expect(read.value).toEqual({ name: 'old' });
    cache.entries.clear();
    // Store lags, so it answers "absent": eventual accepts that rather than throwing.
    expect(await users.find('u1', { consistency: 'eventual' })).toBeUndefined();
  });

  it('delete then strong read is NOT_FOUND, also when the cache held the record', async () => {
    const { users } = setup({ stalenessBudgetMs: 60_000 });
    await users.put('u1', { name: 'A' });
    await users.get('u1', { consistency: 'eventual' }); // fills the cache
    expect(await users.delete('u1')).toBe(true);
    const error = await users.get('u1').catch((e: unknown) => e);
    expect(isStorageError(error, 'NOT_FOUND')).toBe(true);
  });

  it('poisoned cache: eventual serves the poison, bypassCache returns the truth and heals', async () => {
    const { users, cache, counts } = setup();
    await users.put('u1', { name: 'true' });
    poison(cache, 'u1', { name: 'poison' });
    expect((await users.get('u1', { consistency: 'eventual' })).value).toEqual({ name: 'poison' });
    expect(counts.get('cache:hit')).toBe(1);
    const healed = await users.get('u1', { consistency: 'eventual', bypassCache: true });
    expect(healed.value).toEqual({ name: 'true' });
    expect((await users.get('u1', { consistency: 'eventual' })).value).toEqual({ name: 'true' });
  });

  it('bypassCache on a deleted key purges the cache entry', async () => {
    const { users, cache } = setup();
    poison(cache, 'gone', { name: 'ghost' });
    expect(await users.find('gone', { bypassCache: true })).toBeUndefined();
    expect(cache.entries.has(cacheKey('users', 'gone'))).toBe(false);
  });
});

describe('cache behaviour', () => {
  it('strong reads with a staleness budget are served from a young entry', async () => {
    const { users, counts } = setup({ stalenessBudgetMs: 60_000 });
    await users.put('u1', { name: 'A' });
    await users.get('u1'); // miss, fills
    await users.get('u1'); // hit
    expect(counts.get('cache:miss')).toBe(1);
    expect(counts.get('cache:hit')).toBe(1);
  });

  it('strong reads with budget 0 never use the cache', async () => {
    const { users, counts } = setup();
    await users.put('u1', { name: 'A' });
    await users.get('u1');
    await users.get('u1');
    expect(counts.get('cache:hit')).toBeUndefined();
  });

  it('a cache entry older than our own write is not served to a strong read', async () => {
    const { users, cache } = setup({ stalenessBudgetMs: 60_000 });
    const written = await users.put('u1', { name: 'new' });
    cache.entries.set(cacheKey('users', 'u1'), { entry: { value: { name: 'old' }, version: written.version - 1, etag: 'x', storedAt: Date.now() }, until: Date.now() + 60_000 });
    expect((await users.get('u1')).value).toEqual({ name: 'new' });
  });

  it('writes purge the cache synchronously', async () => {
    const { users, cache } = setup({ consistency: 'eventual' });
    await users.put('u1', { name: 'A' });
    await users.get('u1');
    expect(cache.entries.has(cacheKey('users', 'u1'))).toBe(true);
    await users.put('u1', { name: 'B' });
    expect(cache.entries.has(cacheKey('users', 'u1'))).toBe(false);
    expect((await users.get('u1')).value).toEqual({ name: 'B' });
  });

  it('cache_only: hit after a fill, CACHE_MISS otherwise', async () => {
    const { users } = setup();
    await users.put('u1', { name: 'A' });
    const miss = await users.get('u1', { consistency: 'cache_only' }).catch((e: unknown) => e);
    expect(isStorageError(miss, 'CACHE_MISS')).toBe(true);
    await users.get('u1', { consistency: 'eventual' });
    expect((await users.get('u1', { consistency: 'cache_only' })).value).toEqual({ name: 'A' });
  });

  it('cache_only without a cache is INVALID_ARGUMENT', async () => {
    const client = createStorageClient({ schemaVersion: 1, namespaces: { users: { kind: 'record' } } });
    const error = await client.records('users').get('x', { consistency: 'cache_only' }).catch((e: unknown) => e);
    expect(isStorageError(error, 'INVALID_ARGUMENT')).toBe(true);
  });

  it('values of a cached namespace are deeply frozen: callers cannot mutate cached state (hit or miss)', async () => {
    const { users, cache } = setup({ consistency: 'eventual' });
    await users.put('u1', { name: 'A', tags: ['x'] } as never);
    const miss = await users.get('u1'); // fills the cache from this very read
    expect(() => ((miss.value as { name: string }).name = 'mutated on miss')).toThrow(TypeError);
    const hit = await users.get('u1');
    expect(cache.entries.has(cacheKey('users', 'u1'))).toBe(true);
    expect(() => ((hit.value as { name: string }).name = 'mutated')).toThrow(TypeError);
    expect(() => (hit.value as unknown as { tags: string[] }).tags.push('y')).toThrow(TypeError);
    expect((await users.get('u1')).value).toEqual({ name: 'A', tags: ['x'] });
    // A cache that hands back an unfrozen object (a remote cache decoding JSON) is frozen on the way out.
    poison(cache, 'u2', { name: 'from elsewhere' });
    const decoded = await users.get('u2');
    expect(Object.isFrozen(decoded.value)).toBe(true);
  });

  it('stale-if-error: eventual serves an expired entry when the store fails', async () => {
    let now = 1_000_000;
    const cache = createTestCache(() => now);
    const inner = createMemoryRecordStore();
    let storeDown = false;
    const store = withGet(inner, async (request) => {
      if (storeDown) throw new Error('connection refused');
      return inner.get(request);
    });
    const client = createStorageClient(
      {
        schemaVersion: 1,
        adapters: { db: { use: 'under-test' } },
        caches: { hot: { use: 'under-test' } },
        namespaces: { users: { kind: 'record', adapter: 'db', cache: 'hot', consistency: 'eventual', cacheTtlMs: 1_000, staleIfErrorMs: 5_000 } },
      },
      { adapters: [factoryOf(store), factoryOf(cache)], now: () => now },
    );
    const users = client.records('users');
    await users.put('u1', 'v1');
    await users.get('u1');
    now += 3_000; // past TTL, within stale-if-error
    storeDown = true;
    expect((await users.get('u1')).value).toBe('v1');
    now += 10_000; // past both
    const error = await users.get('u1').catch((e: unknown) => e);
    expect(isStorageError(error, 'INTERNAL')).toBe(true);
  });

  it('a synchronous (peek) hit obeys the same rules: past cacheTtlMs it is not fresh, within the budget a strong read may use it', async () => {
    let now = 1_000_000;
    // The cache keeps entries for cacheTtlMs + staleIfErrorMs, so only the layer's own age check
    // keeps an entry past cacheTtlMs from being served as fresh.
    const cache = createPeekingTestCache(() => now);
    const inner = createMemoryRecordStore();
    const client = createStorageClient(
      {
        schemaVersion: 1,
        adapters: { db: { use: 'under-test' } },
        caches: { hot: { use: 'under-test' } },
        namespaces: { users: { kind: 'record', adapter: 'db', cache: 'hot', consistency: 'eventual', cacheTtlMs: 1_000, staleIfErrorMs: 5_000, stalenessBudgetMs: 500 } },
      },
      { adapters: [factoryOf(inner), factoryOf(cache)], now: () => now },
    );
    const users = client.records<string>('users');
    await users.put('u1', 'v1');
    await users.get('u1'); // fill
    await inner.put({ namespace: 'users', key: 'u1', value: 'v2' }); // behind the cache's back
    const peeks = cache.peeks;
    expect((await users.get('u1')).value).toBe('v1'); // fresh: served by peek
    expect(cache.peeks).toBe(peeks + 1);
    expect((await users.get('u1', { consistency: 'strong' })).value).toBe('v1'); // age 0 < budget 500
    now += 600;
    expect((await users.get('u1', { consistency: 'strong' })).value).toBe('v2'); // past the budget: the store
    await inner.put({ namespace: 'users', key: 'u1', value: 'v3' });
    now += 1_000; // the v2 entry (filled at +600) is now 1,000 ms old: not past the TTL yet
    expect((await users.get('u1')).value).toBe('v2');
    now += 1; // past cacheTtlMs, within staleIfErrorMs: the store is up, so it answers
    expect((await users.get('u1')).value).toBe('v3');
    await client.close();
  });

  it('fail-open: a dead cache degrades to the store', async () => {
    const { users, cache } = setup({ consistency: 'eventual' });
    await users.put('u1', { name: 'A' });
    cache.failing = true;
    expect((await users.get('u1')).value).toEqual({ name: 'A' });
    await users.put('u1', { name: 'B' });
    expect((await users.get('u1')).value).toEqual({ name: 'B' });
  });

  it('fail-closed: a dead cache fails reads with UNAVAILABLE', async () => {
    const { users, cache } = setup({ consistency: 'eventual', onCacheFailure: 'fail-closed' });
    await users.put('u1', { name: 'A' });
    cache.failing = true;
    const error = await users.get('u1').catch((e: unknown) => e);
    expect(isStorageError(error, 'UNAVAILABLE')).toBe(true);
  });

  it('a read that started before a write does not refill the cache with the old value', async () => {
    const cache = createTestCache();
    const inner = createMemoryRecordStore();
    let release: (() => void) | undefined;
    const store = withGet(inner, async (request) => {
      const entry = await inner.get(request);
      if (release === undefined) await new Promise<void>((r) => (release = r));
      return entry;
    });
    const client = createStorageClient(
      {
        schemaVersion: 1,
        adapters: { db: { use: 'under-test' } },
        caches: { hot: { use: 'under-test' } },
        namespaces: { users: { kind: 'record', adapter: 'db', cache: 'hot', consistency: 'eventual' } },
      },
      { adapters: [factoryOf(store), factoryOf(cache)] },
    );
    const users = client.records('users');
    await inner.put({ namespace: 'users', key: 'u1', value: 'old' });
    const slowRead = users.get('u1');
    await new Promise((r) => setTimeout(r, 5));
    await users.put('u1', 'new');
    release!();
    expect((await slowRead).value).toBe('old');
    expect(cache.entries.has(cacheKey('users', 'u1'))).toBe(false);
    expect((await users.get('u1')).value).toBe('new');
  });
});
