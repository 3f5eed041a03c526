import type { StoreBase } from './store-base.js';

/** What the cache layer keeps per key. */
export interface CacheEntry {
  readonly value: unknown;
  /** The version/ETag the entry was filled from, so staleness is checkable. */
  readonly version: number | string;
  readonly etag: string;
  /** Epoch milliseconds when the entry was filled. */
  readonly storedAt: number;
}

export interface CacheCapabilities {
  /** Shared between processes (e.g. Redis): writes must fan invalidations out. */
  readonly shared: boolean;
}

/** A cache under records and blob metadata. Keys are opaque strings built by core. */
export interface CacheStore extends StoreBase<'cache', CacheCapabilities> {
  get(key: string): Promise<CacheEntry | undefined>;
  /**
   * Optional: the entry `get` would return, answered synchronously from process memory, or
   * `undefined` when that needs I/O or the key is absent (the caller then calls `get`). Only for
   * stores that hold entries in memory (the memory cache, a Redis cache's L1): the cache layer
   * serves a hit from it without a promise tick. Must not throw for a missing key.
   */
  peek?(key: string): CacheEntry | undefined;
  /** Keeps the entry for at most `ttlMs`. */
  set(key: string, entry: CacheEntry, ttlMs: number): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
  clear(): Promise<void>;
  /** Tells other processes to drop these keys (fire and forget from the caller's view). */
  publishInvalidation?(keys: readonly string[]): Promise<void>;
  /** Receives other processes' invalidations; returns an unsubscribe function. */
  onInvalidation?(listener: (keys: readonly string[]) => void): () => void;
}
