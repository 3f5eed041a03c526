import { describe, expect, it } from 'vitest';
import { createStorageClient } from '../../src/index.js';
import { createMemoryRecordStore, type RecordStore } from '../../src/spi/index.js';
import { SingleFlight } from '../../src/layers/cache/single-flight.js';
import { createTestCache, factoryOf } from '../support/map-cache.js';

function countingStore(fail = false): RecordStore & { reads: number } {
  const inner = createMemoryRecordStore();
  const store = {
    kind: 'record' as const,
    name: inner.name,
    capabilities: inner.capabilities,
    reads: 0,
    get: async (request: Parameters<RecordStore['get']>[0]) => {
      store.reads += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (fail) throw new Error('store down (test)');
      return inner.get(request);
    },
    put: inner.put.bind(inner),
    delete: inner.delete.bind(inner),
    list: inner.list.bind(inner),
  };
  return store;
}

function setup(store: RecordStore) {
  const client = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { db: { use: 'under-test' } },
      caches: { hot: { use: 'under-test' } },
      namespaces: { users: { kind: 'record', adapter: 'db', cache: 'hot', consistency: 'eventual', cacheTtlMs: 60_000 } },
    },
    { adapters: [factoryOf(store), factoryOf(createTestCache())] },
  );
  return { client, users: client.records<{ name: string }>('users') };
}

describe('single-flight of eventual misses', () => {
  it('100 concurrent cold eventual reads of one key make one store read, each caller gets the value', async () => {
    const store = countingStore();
    const { client, users } = setup(store);
    await users.put('hot', { name: 'Ada' });
    const reads = await Promise.all(Array.from({ length: 100 }, () => users.get('hot')));
    expect(store.reads).toBe(1);
    expect(reads.every((entry) => entry.value.name === 'Ada')).toBe(true);
    expect(Object.isFrozen(reads[0]!.value)).toBe(true);
    await Promise.all([users.get('hot'), users.get('hot')]);
    expect(store.reads).toBe(1); // served by the cache the flight filled
    await client.close();
  });

  it('reads with their own AbortSignal do not join a flight', async () => {
    const store = countingStore();
    const { client, users } = setup(store);
    await users.put('k', { name: 'Ada' });
    await Promise.all(Array.from({ length: 3 }, () => users.get('k', { signal: new AbortController().signal })));
    expect(store.reads).toBe(3);
    await client.close();
  });

  it('a failed flight fails every caller waiting on it, and the next miss reads again', async () => {
    const flights = new SingleFlight<number>();
    let calls = 0;
    const failing = () => {
      calls += 1;
      return Promise.reject(new Error('boom'));
    };
    const results = await Promise.allSettled([flights.run('k', failing), flights.run('k', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    await expect(flights.run('k', () => Promise.resolve(7))).resolves.toBe(7);
  });
});
