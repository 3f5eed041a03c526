import type { AdapterFactory } from '../../src/index.js';
import type { BlobStore, CacheEntry, CacheStore, RecordStore, StreamStore } from '../../src/spi/index.js';

/** A Map-backed CacheStore for tests, with a switch that makes every call fail. */
export interface TestCache extends CacheStore {
  readonly entries: Map<string, { entry: CacheEntry; until: number }>;
  failing: boolean;
}

/** `createTestCache` that also answers `peek` (synchronous in-memory hits), like the memory cache. */
export function createPeekingTestCache(now: () => number = Date.now): TestCache & { peek(key: string): CacheEntry | undefined; peeks: number } {
  const cache = createTestCache(now) as TestCache & { peek(key: string): CacheEntry | undefined; peeks: number };
  cache.peeks = 0;
  cache.peek = (key) => {
    cache.peeks += 1;
    if (cache.failing) throw new Error('cache down');
    const hit = cache.entries.get(key);
    return hit === undefined || hit.until <= now() ? undefined : hit.entry;
  };
  return cache;
}

export function createTestCache(now: () => number = Date.now): TestCache {
  const entries = new Map<string, { entry: CacheEntry; until: number }>();
  const cache: TestCache = {
    kind: 'cache',
    name: 'test-cache',
    capabilities: { shared: false },
    entries,
    failing: false,
    async get(key) {
      if (cache.failing) throw new Error('cache down');
      const hit = entries.get(key);
      if (hit === undefined || hit.until <= now()) return undefined;
      return hit.entry;
    },
    async set(key, entry, ttlMs) {
      if (cache.failing) throw new Error('cache down');
      entries.set(key, { entry, until: now() + ttlMs });
    },
    async delete(keys) {
      if (cache.failing) throw new Error('cache down');
      for (const key of keys) entries.delete(key);
    },
    async clear() {
      entries.clear();
    },
  };
  return cache;
}

const anything = { '~standard': { version: 1, vendor: 'test', validate: (value: unknown) => ({ value }) } } as const;

/** Wraps a ready-made store as a factory named `name`. */
export function factoryOf<S extends CacheStore | RecordStore | BlobStore | StreamStore>(
  store: S,
  name = 'under-test',
): AdapterFactory {
  return { kind: store.kind, name, optionsSchema: anything, create: () => store } as AdapterFactory;
}
