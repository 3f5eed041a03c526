import type { CacheEntry, CacheStore } from '@sanctum/storage-core/spi';

/** A cache that keeps entries forever, whatever ttlMs says. */
export function ignoresTtl(): CacheStore {
  const entries = new Map<string, CacheEntry>();
  return {
    kind: 'cache',
    name: 'broken',
    capabilities: { shared: false },
    get: async (key) => entries.get(key),
    set: async (key, entry) => void entries.set(key, entry),
    delete: async (keys) => keys.forEach((key) => entries.delete(key)),
    clear: async () => entries.clear(),
  };
}

/** A cache that accepts every set and keeps nothing. */
export function neverStores(): CacheStore {
  return {
    kind: 'cache',
    name: 'broken',
    capabilities: { shared: false },
    get: async () => undefined,
    set: async () => undefined,
    delete: async () => undefined,
    clear: async () => undefined,
  };
}
