import { LRUCache } from 'lru-cache';
import { StorageError, parseOptions, type CacheCapabilities, type CacheEntry, type CacheStore, type HealthReport } from '@sanctum/storage-core/spi';
import { cloneValue } from './clone.js';
import { estimateEntryBytes } from './estimate-size.js';
import {
  memoryCacheOptionsSchema,
  type MemoryCacheOptions,
  type MemoryCacheOptionsInput,
  type MemoryCacheRuntimeOptions,
} from './options.js';

const CAPABILITIES: CacheCapabilities = Object.freeze({ shared: false });
// Settled promises are immutable, so one instance serves every miss and every write.
const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);
const RESOLVED_VOID: Promise<void> = Promise.resolve();

/** A memory cache: the CacheStore SPI plus a few read-only gauges. */
export interface MemoryCacheStore extends CacheStore {
  /** What `get` resolves to, synchronously (entries live in this process). */
  peek(key: string): CacheEntry | undefined;
  /** Entries currently held (expired entries count until they are touched or evicted). */
  readonly size: number;
  /** Estimated bytes held; 0 when `maxBytes` is not set (sizes are then not computed). */
  readonly calculatedBytes: number;
  /** Keys starting with `prefix`, most recently used first, without touching recency (for the Keyv store). */
  keys(prefix: string): string[];
}

function isDataCloneError(error: unknown): boolean {
  return error instanceof Error && error.name === 'DataCloneError';
}

function snapshot(entry: CacheEntry): CacheEntry {
  const value = entry.value;
  // Primitives (such as Keyv's serialized strings) are immutable already; so are the deeply frozen
  // values core's cache layer stores, which are kept by reference.
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return entry;
  return { value: cloneValue(value), version: entry.version, etag: entry.etag, storedAt: entry.storedAt };
}

/** Builds the store from options that are already validated and defaulted. */
export function buildMemoryCache(options: MemoryCacheOptions, runtime: MemoryCacheRuntimeOptions = {}): MemoryCacheStore {
  const ttlCap = options.ttlMs;
  const cloneOnSet = options.cloneOnSet;
  const lru = new LRUCache<string, CacheEntry>({
    max: options.maxEntries,
    ttl: ttlCap,
    ...(options.maxBytes === undefined ? {} : { maxSize: options.maxBytes, sizeCalculation: (entry, key) => estimateEntryBytes(key, entry) }),
    // An injected clock is a test clock: read it on every check instead of lru-cache's 1 ms memo.
    ...(runtime.now === undefined ? {} : { perf: { now: runtime.now }, ttlResolution: 0 }),
  });

  return {
    kind: 'cache',
    name: 'memory',
    capabilities: CAPABILITIES,
    get size() {
      return lru.size;
    },
    get calculatedBytes() {
      return lru.calculatedSize;
    },
    keys(prefix) {
      const keys: string[] = [];
      for (const key of lru.keys()) if (key.startsWith(prefix)) keys.push(key);
      return keys;
    },
    get(key) {
      const entry = lru.get(key);
      return entry === undefined ? RESOLVED_UNDEFINED : Promise.resolve(entry);
    },
    // The same lookup as `get`, without the promise: core's cache layer serves hits from it.
    peek: (key) => lru.get(key),
    set(key, entry, ttlMs) {
      try {
        // `!(ttlMs > 0)` also catches NaN: an entry that is already expired replaces nothing stale.
        if (!(ttlMs > 0)) lru.delete(key);
        else lru.set(key, cloneOnSet ? snapshot(entry) : entry, { ttl: ttlMs < ttlCap ? ttlMs : ttlCap });
        return RESOLVED_VOID;
      } catch (error) {
        // A failed fill must not leave an older entry behind as if it were current.
        lru.delete(key);
        return Promise.reject(
          isDataCloneError(error)
            ? new StorageError('INVALID_ARGUMENT', `memory cache cannot clone this value: ${(error as Error).message}`, {
                operation: 'cache.set',
                adapter: 'memory',
                cause: error,
              })
            : new StorageError('INTERNAL', 'memory cache set failed', { operation: 'cache.set', adapter: 'memory', cause: error }),
        );
      }
    },
    delete(keys) {
      for (const key of keys) lru.delete(key);
      return RESOLVED_VOID;
    },
    clear() {
      lru.clear();
      return RESOLVED_VOID;
    },
    close() {
      lru.clear();
      return RESOLVED_VOID;
    },
    health(): Promise<HealthReport> {
      const details: Record<string, number> = { entries: lru.size, maxEntries: options.maxEntries };
      if (options.maxBytes !== undefined) {
        details['bytes'] = lru.calculatedSize;
        details['maxBytes'] = options.maxBytes;
      }
      return Promise.resolve({ ok: true, latencyMs: 0, details });
    },
  };
}

/**
 * Creates an in-process LRU cache implementing the CacheStore SPI: per-entry TTL (capped at
 * `ttlMs`), an entry bound and an optional estimated-byte bound, least recently used evicted first.
 * `set` keeps a clone of the value (unless `cloneOnSet: false`); `get` returns the kept entry itself,
 * without a copy: treat it as read-only (core's cache layer freezes what it stores and hands out, so
 * frozen values are kept by reference, not cloned).
 * Throws CONFIG_INVALID, listing every problem in `details.issues` (`{ path, message }[]`), when
 * `options` are invalid.
 */
export function createMemoryCacheStore(
  options: MemoryCacheOptionsInput = {},
  runtime: MemoryCacheRuntimeOptions = {},
): MemoryCacheStore {
  return buildMemoryCache(parseOptions(memoryCacheOptionsSchema, options, { adapter: 'memory', subject: 'memory cache options' }), runtime);
}

/**
 * The previous name of {@link createMemoryCacheStore}.
 * @deprecated Use `createMemoryCacheStore()`; this alias is removed in the next minor release.
 */
export const createMemoryCache: typeof createMemoryCacheStore = createMemoryCacheStore;
