import { describe, expect, it } from 'vitest';
import Keyv, { type KeyvOptions, type KeyvStoreAdapter } from 'keyv';
import { createCache } from 'cache-manager';
import type { CacheStore } from '@sanctum/storage-core/spi';
import { createKeyvStore, createMemoryCacheStore } from '../src/index.js';

function manualClock(start = 10_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('createKeyvStore', () => {
  it('is structurally a KeyvStoreAdapter', () => {
    const store: KeyvStoreAdapter = createKeyvStore(createMemoryCacheStore());
    expect(typeof store.get).toBe('function');
    expect(store.on('error', () => {})).toBe(store);
  });

  it('backs Keyv get, set, has, delete and clear', async () => {
    const cache = createMemoryCacheStore();
    const keyv = new Keyv<{ n: number }>({ store: createKeyvStore(cache), namespace: 'app' });
    expect(await keyv.set('a', { n: 1 })).toBe(true);
    expect(await keyv.get('a')).toEqual({ n: 1 });
    expect(await keyv.has('a')).toBe(true);
    expect(await keyv.has('b')).toBe(false);
    // Keyv prefixes keys with its namespace before they reach the store.
    const entry = await cache.get('app:a');
    expect(entry).toMatchObject({ version: 0, etag: '' });
    expect(typeof entry?.value).toBe('string');
    expect(await keyv.delete('a')).toBe(true);
    expect(await keyv.delete('a')).toBe(false);
    await keyv.set('b', { n: 2 });
    await keyv.clear();
    expect(await keyv.get('b')).toBeUndefined();
  });

  it('supports Keyv batch operations', async () => {
    const keyv = new Keyv<string>({ store: createKeyvStore(createMemoryCacheStore()) });
    expect(await keyv.setMany([{ key: 'a', value: 'A' }, { key: 'b', value: 'B', ttl: 1_000 }])).toEqual([true, true]);
    expect(await keyv.getMany(['a', 'b', 'c'])).toEqual(['A', 'B', undefined]);
    expect(await keyv.hasMany(['a', 'c'])).toEqual([true, false]);
    expect(await keyv.deleteMany(['a', 'b'])).toBe(true);
    expect(await keyv.deleteMany(['a'])).toBe(false);
  });

  it('keeps raw objects when Keyv serialization is off', async () => {
    const keyv = new Keyv<{ n: number }>({
      store: createKeyvStore(createMemoryCacheStore()),
      serialize: undefined,
      deserialize: undefined,
    } as unknown as KeyvOptions);
    await keyv.set('k', { n: 3 });
    expect(await keyv.get('k')).toEqual({ n: 3 });
  });

  it('passes TTLs to the cache, which expires and caps them', async () => {
    const clock = manualClock();
    const cache = createMemoryCacheStore({ ttlMs: 1_000 }, { now: clock.now });
    const store = createKeyvStore(cache, { now: () => 42 });
    await store.set('short', 'v', 100);
    await store.set('default', 'v');
    await store.set('zero', 'v', 0);
    expect((await cache.get('short'))?.storedAt).toBe(42);
    clock.advance(101);
    expect(await store.get('short')).toBeUndefined();
    expect(await store.get('default')).toBe('v');
    clock.advance(900);
    expect(await store.get('default')).toBeUndefined();
    expect(await store.get('zero')).toBeUndefined();
  });

  it('uses defaultTtlMs for values set without a TTL', async () => {
    const calls: number[] = [];
    const recording: CacheStore = {
      ...createMemoryCacheStore(),
      set: (_key, _entry, ttlMs) => {
        calls.push(ttlMs);
        return Promise.resolve();
      },
    };
    const store = createKeyvStore(recording, { defaultTtlMs: 5_000 });
    await store.set('a', 1);
    await store.set('b', 1, 200);
    expect(calls).toEqual([5_000, 200]);
    expect(store.opts).toMatchObject({ cache: 'memory' });
  });

  it('runs cache-manager on top of Keyv', async () => {
    const keyv = new Keyv({ store: createKeyvStore(createMemoryCacheStore({ maxEntries: 100 })) });
    const manager = createCache({ stores: [keyv], ttl: 10_000 });
    await manager.set('user:1', { name: 'Ada' });
    expect(await manager.get('user:1')).toEqual({ name: 'Ada' });
    let calls = 0;
    const load = async () => {
      calls++;
      return { name: 'Grace' };
    };
    expect(await manager.wrap('user:2', load)).toEqual({ name: 'Grace' });
    expect(await manager.wrap('user:2', load)).toEqual({ name: 'Grace' });
    expect(calls).toBe(1);
    expect(await manager.mget(['user:1', 'user:3'])).toEqual([{ name: 'Ada' }, undefined]);
    expect(await manager.del('user:1')).toBe(true);
    expect(await manager.get('user:1')).toBeUndefined();
    await manager.clear();
    expect(await manager.get('user:2')).toBeUndefined();
  });

  it('evicts under cache-manager when the LRU bound is hit', async () => {
    const keyv = new Keyv({ store: createKeyvStore(createMemoryCacheStore({ maxEntries: 2 })) });
    const manager = createCache({ stores: [keyv] });
    await manager.set('a', 1);
    await manager.set('b', 2);
    await manager.get('a');
    await manager.set('c', 3);
    expect(await manager.mget(['a', 'b', 'c'])).toEqual([1, undefined, 3]);
  });
});
