import { describe, expect, it } from 'vitest';
import { isStorageError } from '@sanctum/storage-core';
import { createRedisCacheStore, redisCache, redisCacheOptionsSchema, DEFAULT_KEY_PREFIX } from '../../src/index.js';

describe('redisCache() and createRedisCacheStore', () => {
  it('is a cache factory named redis whose schema fills defaults and keeps L1 off unless asked', () => {
    const factory = redisCache();
    expect(factory).toMatchObject({ kind: 'cache', name: 'redis' });
    const parsed = redisCacheOptionsSchema.parse({ url: 'redis://localhost:6379' });
    expect(parsed).toMatchObject({ keyPrefix: DEFAULT_KEY_PREFIX, fillFenceMs: 1_000, commandTimeoutMs: 1_000 });
    expect(parsed.l1).toBeUndefined();
    expect(redisCacheOptionsSchema.parse({ url: 'redis://x', l1: {} }).l1).toMatchObject({ maxEntries: 10_000 });
    const store = factory.create(parsed, { instanceName: 'c', logger: { log: () => undefined } as never });
    expect(store.capabilities).toEqual({ shared: true });
  });

  it('refuses invalid options with every problem and its path', () => {
    let error: unknown;
    try {
      createRedisCacheStore({ url: '', maxValueBytes: 0, l1: { maxEntries: -1 } } as never);
    } catch (caught) {
      error = caught;
    }
    expect(isStorageError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(String((error as Error).message)).toMatch(/url: .*maxValueBytes: .*l1\.maxEntries: /);
  });

  it('fails with UNAVAILABLE, naming the operation, when used before open', async () => {
    const cache = createRedisCacheStore({ url: 'redis://127.0.0.1:1' });
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'UNAVAILABLE', operation: 'cache.get' });
    await expect(cache.publishInvalidation(['k'])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(cache.health()).resolves.toMatchObject({ ok: false });
    await cache.close();
  });
});
