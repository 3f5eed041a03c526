import { describe, expect, it } from 'vitest';
import { createStorageClient, type LogEvent, type StorageMetrics } from '../../../src/index.js';
import { createMemoryRecordStore, type RecordStore } from '../../../src/spi/index.js';
import { frozen } from '../../../src/layers/cache/cached-value.js';
import { createTestCache, factoryOf, type TestCache } from '../../support/map-cache.js';
import { laggingStore, withGet } from '../../support/lagging-store.js';

// Reads of keys this client never wrote (another process did), the CONSISTENCY and INVALID_ARGUMENT
// errors of the cache layer in full, the cache metrics' labels, and the operation named when a purge
// fails.
function labelledMetrics(seen: Array<{ name: string; labels: Record<string, unknown> }>): StorageMetrics {
  const counter = (name: string) => ({
    bind: (labels: object) => ({
      inc: () => void seen.push({ name, labels: labels as Record<string, unknown> }),
      observe: () => undefined,
      set: () => undefined,
    }),
  });
  const names = ['requestsTotal', 'errorsTotal', 'retriesTotal', 'durationSeconds', 'payloadBytes', 'circuitState', 'consistencyViolationsTotal', 'outboxPending', 'outboxLagSeconds'];
  return { ...Object.fromEntries(names.map((name) => [name, counter(name)])), cacheRequestsTotal: counter('cache') } as unknown as StorageMetrics;
}

function setup(
  options: Record<string, unknown>,
  { store = createMemoryRecordStore() as RecordStore, withCache = true, realClock = false, prepare = (_c: TestCache): void => undefined } = {},
) {
  let clock = 50_000;
  const now = realClock ? Date.now : () => clock;
  const cache = withCache ? createTestCache() : undefined;
  const events: LogEvent[] = [];
  const metrics: Array<{ name: string; labels: Record<string, unknown> }> = [];
  if (cache !== undefined) prepare(cache);
  const client = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { db: { use: 'under-test' } },
      ...(cache === undefined ? {} : { caches: { hot: { use: 'under-test' } } }),
      namespaces: { users: { kind: 'record', adapter: 'db', ...(cache === undefined ? {} : { cache: 'hot' }), cacheTtlMs: 1_000, ...options } },
    },
    { adapters: cache === undefined ? [factoryOf(store)] : [factoryOf(store), factoryOf(cache)], now, logger: { log: (e) => events.push(e) }, metrics: labelledMetrics(metrics) },
  );
  return { users: client.records<string>('users'), store, cache, events, metrics, advance: (ms: number) => (clock += ms) };
}

describe('reads of keys another process wrote', () => {
  it('a strong read through the cache returns the stored record (no own write to wait for)', async () => {
    const { users, store } = setup({ consistency: 'strong' });
    await store.put({ namespace: 'users', key: 'k', value: 'theirs' });
    expect((await users.get('k')).value).toBe('theirs');
  });

  it('a strong read within the staleness budget is served from an entry this client filled but never wrote', async () => {
    const { users, store, advance } = setup({ consistency: 'strong', stalenessBudgetMs: 500 });
    await store.put({ namespace: 'users', key: 'k', value: 'v1' });
    await users.get('k'); // fills
    await store.put({ namespace: 'users', key: 'k', value: 'v2' });
    advance(100);
    expect((await users.get('k')).value).toBe('v1');
  });
});

describe('errors of the cache layer, in full', () => {
  it('CONSISTENCY names the adapter, the operation and both versions', async () => {
    const store = laggingStore(createMemoryRecordStore(), () => 10_000);
    const { users } = setup({ consistency: 'strong' }, { store, withCache: false, realClock: true });
    await users.put('k', 'v1');
    const second = await users.put('k', 'v2');
    const error = await users.get('k').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'CONSISTENCY',
      operation: 'records.get',
      namespace: 'users',
      adapter: 'lagging',
      message: `strong read of a record did not observe this client's write (version ${second.version}) within 100 ms`,
      details: { expectedVersion: second.version, seenVersion: null },
    });
  });

  it('cache_only without a cache names the field to change', async () => {
    const { users } = setup({}, { withCache: false });
    expect(await users.get('k', { consistency: 'cache_only' }).catch((e: unknown) => e)).toMatchObject({
      code: 'INVALID_ARGUMENT',
      operation: 'records.get',
      namespace: 'users',
      message: 'namespace "users" has no cache, so consistency "cache_only" cannot be served',
      details: { field: 'consistency' },
    });
  });
});

describe('cache metrics and failure logs', () => {
  it('a stale-if-error answer is counted under result "stale" with namespace and kind', async () => {
    let failing = false;
    const inner = createMemoryRecordStore();
    const store = withGet(inner, (r) => (failing ? Promise.reject(new Error('down')) : inner.get(r)));
    const { users, cache, metrics, advance } = setup({ consistency: 'eventual', staleIfErrorMs: 5_000 }, { store });
    await users.put('k', 'v');
    await users.get('k');
    for (const entry of cache!.entries.values()) entry.until = Infinity;
    failing = true;
    advance(2_000);
    expect((await users.get('k')).value).toBe('v');
    expect(metrics.filter((m) => m.name === 'cache').map((m) => m.labels)).toContainEqual({ namespace: 'users', kind: 'record', result: 'stale' });
  });

  it('a failed purge after an invalidation from another client is logged as a delete', async () => {
    const listeners: Array<(keys: readonly string[]) => void> = [];
    const { users, cache, events } = setup(
      { consistency: 'eventual' },
      {
        prepare: (c) =>
          void Object.assign(c, {
            onInvalidation: (listener: (keys: readonly string[]) => void) => {
              listeners.push(listener);
              return () => undefined;
            },
            publishInvalidation: async () => undefined,
          }),
      },
    );
    await users.get('k').catch(() => undefined); // subscribes
    cache!.failing = true;
    listeners[0]!(['users\u0000k']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toContainEqual(expect.objectContaining({ event: 'storage.cache.error', operation: 'delete' }));
  });

  it('a failed purge of an absent key during bypassCache is logged as a delete', async () => {
    const { users, cache, events } = setup({ consistency: 'eventual' });
    cache!.failing = true;
    expect(await users.find('k', { bypassCache: true })).toBeUndefined();
    expect(events).toContainEqual(expect.objectContaining({ event: 'storage.cache.error', operation: 'delete', policy: 'fail-open' }));
  });
});

describe('frozen values', () => {
  it('a value whose top is already frozen is taken as frozen all the way down (one check per hit)', () => {
    const inner = { n: 1 };
    const value = Object.freeze({ inner });
    frozen(value);
    expect(Object.isFrozen(inner)).toBe(false);
  });
});
