import { afterEach, describe, expect, it } from 'vitest';
import { createNoopMetrics, createStorageClient, type CacheLabels, type StorageClient, type StorageMetrics } from '@sanctum/storage-core';
import { memoryCache } from '../src/index.js';

function countingMetrics() {
  const counts = { hit: 0, miss: 0, stale: 0 };
  const metrics: StorageMetrics = {
    ...createNoopMetrics(),
    cacheRequestsTotal: { bind: (labels: CacheLabels) => ({ inc: () => void counts[labels.result]++ }) },
  };
  return { metrics, counts };
}

describe('memoryCache() under the storage client', () => {
  let client: StorageClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  function create(options: Record<string, unknown> = {}) {
    const { metrics, counts } = countingMetrics();
    client = createStorageClient(
      {
        schemaVersion: 1,
        caches: { hot: { use: 'memory', options: { maxEntries: 100, ttlMs: 30_000, ...options } } },
        namespaces: { users: { kind: 'record', cache: 'hot' } },
      },
      { adapters: [memoryCache()], metrics },
    );
    return { users: client.records<{ name: string }>('users'), counts };
  }

  it('serves the second eventual read from the cache and purges on write', async () => {
    const { users, counts } = create();
    await users.put('u1', { name: 'Ada' });
    expect((await users.get('u1', { consistency: 'eventual' })).value).toEqual({ name: 'Ada' });
    expect((await users.get('u1', { consistency: 'eventual' })).value).toEqual({ name: 'Ada' });
    expect(counts).toMatchObject({ miss: 1, hit: 1 });
    await users.put('u1', { name: 'Grace' });
    expect((await users.get('u1', { consistency: 'eventual' })).value).toEqual({ name: 'Grace' });
    expect(counts).toMatchObject({ miss: 2, hit: 1 });
  });

  it('cannot be poisoned through the record returned by the read that filled it, or by a hit (values are frozen)', async () => {
    const { users } = create();
    await users.put('u1', { name: 'Ada' });
    const first = await users.get('u1', { consistency: 'eventual' });
    expect(() => ((first.value as { name: string }).name = 'mutated by caller')).toThrow(TypeError);
    const hit = await users.get('u1', { consistency: 'eventual' });
    expect(hit.value).toBe(first.value); // kept by reference: no copy on fill or hit
    expect(() => ((hit.value as { name: string }).name = 'mutated by caller')).toThrow(TypeError);
    expect((await users.get('u1', { consistency: 'eventual' })).value).toEqual({ name: 'Ada' });
  });

  it('reports invalid cache options at client creation with their config path', () => {
    expect(() => create({ maxEntries: 0 })).toThrow(/caches\.hot\.options\.maxEntries/);
  });

  it('reports its health through the client', async () => {
    const { users } = create();
    await users.put('u1', { name: 'Ada' });
    await users.get('u1', { consistency: 'eventual' });
    const health = await client!.health();
    expect(health.ok).toBe(true);
    expect(health.adapters['cache:hot']).toMatchObject({ ok: true, details: { maxEntries: 100 } });
  });
});
