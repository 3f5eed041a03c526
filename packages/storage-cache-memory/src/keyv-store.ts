import type { CacheEntry, CacheStore } from '@sanctum/storage-core/spi';

/** What a cache must offer besides the CacheStore SPI to back a Keyv store: a listing of its keys. */
export interface KeyListing {
  /** Every key starting with `prefix`; keys of expired entries may appear (they read as misses). */
  keys(prefix: string): Iterable<string> | AsyncIterable<string>;
}

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
  /**
   * Prefix of every key this store writes into the cache. Stores with different prefixes share
   * one cache without seeing each other's keys; `clear()` never touches keys outside its prefix.
   * @default 'keyv\u0000'
   */
  readonly prefix?: string;
}

/**
 * The storage-adapter shape Keyv (v5) expects: `get`/`set`/`delete`/`clear`, the optional
 * `has`/`getMany`/`hasMany`/`deleteMany` Keyv uses when present, and `iterator`. Structurally
 * compatible with Keyv's `KeyvStoreAdapter`, declared here so this package does not depend on keyv.
 */
export interface KeyvCompatibleStore {
  /** Keyv reads `opts.dialect` to decide whether to offer `iterator()`; nothing else in it is used. */
  readonly opts: Record<string, unknown>;
  /** Set by Keyv to its namespace; `clear()` and `iterator()` then cover only that namespace. */
  namespace?: string | undefined;
  get<Value>(key: string): Promise<Value | undefined>;
  set(key: string, value: unknown, ttl?: number): Promise<boolean>;
  /** `true` when the key existed. */
  delete(key: string): Promise<boolean>;
  /** `true` when every key existed. */
  deleteMany(keys: string[]): Promise<boolean>;
  /** Removes this store's keys of the current namespace (all of this store's keys without one). */
  clear(): Promise<void>;
  has(key: string): Promise<boolean>;
  hasMany(keys: string[]): Promise<boolean[]>;
  getMany<Value>(keys: string[]): Promise<Array<Value | undefined>>;
  /** Yields `[key, value]` for every live key of `namespace` (of the whole store without one). */
  iterator<Value>(namespace?: string): AsyncGenerator<[string, Value]>;
  /** Keyv subscribes to `error`; this store never emits, so listeners are not kept. */
  on(event: string, listener: (...args: unknown[]) => void): KeyvCompatibleStore;
}

/**
 * Wraps a cache that lists its keys (the memory cache, the Redis cache) as a Keyv storage adapter,
 * so `new Keyv({ store })` and cache-manager on top of Keyv share the cache's bounds. Keyv values
 * (already serialized by Keyv, unless its `serialize` is off) are kept as the entry's `value` with
 * `version: 0` and an empty `etag`, under `prefix` + Keyv's key (which Keyv prefixes with its
 * namespace). Several stores, Keyv namespaces and core namespaces can share one cache: `clear()`
 * removes only this store's keys of the current namespace.
 */
export function createKeyvStore(cache: CacheStore & KeyListing, options: KeyvStoreOptions = {}): KeyvCompatibleStore {
  const defaultTtl = options.defaultTtlMs ?? Number.POSITIVE_INFINITY;
  const now = options.now ?? Date.now;
  const prefix = options.prefix ?? 'keyv\u0000';
  const full = (key: string) => prefix + key;
  const scope = (namespace: string | undefined) => (namespace === undefined || namespace === '' ? prefix : `${prefix}${namespace}:`);

  const put = async (key: string, value: unknown, ttl: number | undefined): Promise<boolean> => {
    const entry: CacheEntry = { value, version: 0, etag: '', storedAt: now() };
    // Keyv passes `undefined` for "no TTL" (it turns 0 into undefined before calling the store).
    await cache.set(full(key), entry, ttl === undefined || ttl <= 0 ? defaultTtl : ttl);
    return true;
  };
  const has = async (key: string): Promise<boolean> => (await cache.get(full(key))) !== undefined;
  // Keys of the scope, collected before any is touched: a listing is not guaranteed stable under writes.
  const listed = async (namespace: string | undefined): Promise<string[]> => {
    const keys: string[] = [];
    for await (const key of cache.keys(scope(namespace))) keys.push(key);
    return keys;
  };

  const store: KeyvCompatibleStore = {
    // Keyv 5 wires `keyv.iterator()` only when `opts.dialect` names a backend on its list of
    // iterable ones, and reads `dialect` for nothing else; 'redis' is the one whose prefix-scan
    // semantics this store follows.
    opts: { dialect: 'redis', cache: cache.name, prefix },
    namespace: undefined,
    async get<Value>(key: string) {
      const entry = await cache.get(full(key));
      return entry === undefined ? undefined : (entry.value as Value);
    },
    // No `setMany`: Keyv's own fallback calls `set` per entry and reports a boolean for each.
    set: (key, value, ttl) => put(key, value, ttl),
    async delete(key) {
      const existed = await has(key);
      await cache.delete([full(key)]);
      return existed;
    },
    async deleteMany(keys) {
      const existed = await Promise.all(keys.map(has));
      await cache.delete(keys.map(full));
      return existed.every(Boolean);
    },
    async clear() {
      await cache.delete(await listed(store.namespace));
    },
    has,
    hasMany: (keys) => Promise.all(keys.map(has)),
    async getMany<Value>(keys: string[]) {
      const entries = await Promise.all(keys.map((key) => cache.get(full(key))));
      return entries.map((entry) => (entry === undefined ? undefined : (entry.value as Value)));
    },
    async *iterator<Value>(namespace?: string) {
      for (const key of await listed(namespace)) {
        const entry = await cache.get(key);
        if (entry !== undefined) yield [key.slice(prefix.length), entry.value as Value];
      }
    },
    on() {
      return store;
    },
  };
  return store;
}
