import type { CacheEntry, CacheStore } from '@sanctum/storage-core/spi';

/** Options of {@link createKeyvStore}. */
export interface KeyvStoreOptions {
  /**
   * TTL in milliseconds for values Keyv sets without one. The memory cache caps every TTL at its
   * own `ttlMs`, so the default means "as long as the cache allows".
   * @default Infinity
   */
  readonly defaultTtlMs?: number;
  /** Clock for `storedAt` of the entries written. @default Date.now */
  readonly now?: () => number;
}

/**
 * The storage-adapter shape Keyv (v5) expects: `get`/`set`/`delete`/`clear` plus the optional
 * `has`/`getMany`/`hasMany`/`deleteMany` Keyv uses when present. Structurally compatible with Keyv's `KeyvStoreAdapter`, declared
 * here so this package does not depend on keyv at runtime.
 */
export interface KeyvCompatibleStore {
  /** Keyv reads `opts`; nothing in it is used. */
  readonly opts: Record<string, unknown>;
  /** Set by Keyv to its namespace. Keys arrive already prefixed with it, so it is informational. */
  namespace?: string | undefined;
  get<Value>(key: string): Promise<Value | undefined>;
  set(key: string, value: unknown, ttl?: number): Promise<boolean>;
  /** `true` when the key existed. */
  delete(key: string): Promise<boolean>;
  /** `true` when every key existed. */
  deleteMany(keys: string[]): Promise<boolean>;
  /** Clears the whole wrapped cache, not only this Keyv namespace (the CacheStore SPI has no prefix scan). */
  clear(): Promise<void>;
  has(key: string): Promise<boolean>;
  hasMany(keys: string[]): Promise<boolean[]>;
  getMany<Value>(keys: string[]): Promise<Array<Value | undefined>>;
  /** Keyv subscribes to `error`; this store never emits, so listeners are not kept. */
  on(event: string, listener: (...args: unknown[]) => void): KeyvCompatibleStore;
}

/**
 * Wraps a CacheStore (typically `createMemoryCacheStore(...)`) as a Keyv storage adapter, so
 * `new Keyv({ store })` and cache-manager on top of Keyv share this package's LRU and bounds.
 * Keyv values (already serialized by Keyv, unless its `serialize` is turned off) are kept as the
 * entry's `value` with `version: 0` and an empty `etag`. Give Keyv a cache of its own: `clear()`
 * empties the wrapped cache entirely, and its keys are not namespaced like core's.
 */
export function createKeyvStore(cache: CacheStore, options: KeyvStoreOptions = {}): KeyvCompatibleStore {
  const defaultTtl = options.defaultTtlMs ?? Number.POSITIVE_INFINITY;
  const now = options.now ?? Date.now;

  const put = async (key: string, value: unknown, ttl: number | undefined): Promise<boolean> => {
    const entry: CacheEntry = { value, version: 0, etag: '', storedAt: now() };
    // Keyv passes `undefined` for "no TTL" (it turns 0 into undefined before calling the store).
    await cache.set(key, entry, ttl === undefined || ttl <= 0 ? defaultTtl : ttl);
    return true;
  };
  const has = async (key: string): Promise<boolean> => (await cache.get(key)) !== undefined;

  const store: KeyvCompatibleStore = {
    opts: { dialect: 'sanctum-cache', cache: cache.name },
    namespace: undefined,
    async get<Value>(key: string) {
      const entry = await cache.get(key);
      return entry === undefined ? undefined : (entry.value as Value);
    },
    // No `setMany`: Keyv's own fallback calls `set` per entry and reports a boolean for each.
    set: (key, value, ttl) => put(key, value, ttl),
    async delete(key) {
      const existed = await has(key);
      await cache.delete([key]);
      return existed;
    },
    async deleteMany(keys) {
      const existed = await Promise.all(keys.map(has));
      await cache.delete(keys);
      return existed.every(Boolean);
    },
    clear: () => cache.clear(),
    has,
    hasMany: (keys) => Promise.all(keys.map(has)),
    async getMany<Value>(keys: string[]) {
      const entries = await Promise.all(keys.map((key) => cache.get(key)));
      return entries.map((entry) => (entry === undefined ? undefined : (entry.value as Value)));
    },
    on() {
      return store;
    },
  };
  return store;
}
