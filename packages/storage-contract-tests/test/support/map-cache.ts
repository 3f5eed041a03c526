import type { CacheEntry, CacheStore } from '@sanctum/storage-core/spi';

/** A tiny Map-based CacheStore for the kit's own tests (the LRU cache package lives elsewhere). */
export function createMapCache(options: { readonly now?: () => number } = {}): CacheStore {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { entry: CacheEntry; expiresAt: number }>();
  return {
    kind: 'cache',
    name: 'map',
    capabilities: { shared: false },
    async get(key) {
      const hit = entries.get(key);
      if (hit === undefined) return undefined;
      if (hit.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return structuredClone(hit.entry);
    },
    async set(key, entry, ttlMs) {
      entries.set(key, { entry: structuredClone(entry), expiresAt: now() + ttlMs });
    },
    async delete(keys) {
      for (const key of keys) entries.delete(key);
    },
    async clear() {
      entries.clear();
    },
  };
}
