import { createKeyvStore, type KeyvCompatibleStore } from '@sanctum/storage-cache-memory';
import type { RedisCacheOptionsInput } from './options.js';
import { createRedisCacheStore, type RedisCacheStore } from './redis-cache.js';

/** Options of {@link createRedisKeyvStore}. */
export interface RedisKeyvStoreOptions {
  /** TTL in milliseconds for values Keyv sets without one. @default Infinity (no expiry) */
  readonly defaultTtlMs?: number;
  /** Prefix of this store's keys inside the cache; `clear()` stays inside it. @default 'keyv\u0000' */
  readonly prefix?: string;
}

/**
 * A Keyv storage adapter on Redis, for Keyv and cache-manager users: the memory cache's Keyv store
 * over a Redis cache created from `cache` options. Deletes are plain (no fill fence: Keyv writes
 * right after a delete must land), and `clear()` removes only this store's keys of the current
 * Keyv namespace. The returned `cache` must be opened before use and closed after.
 */
export function createRedisKeyvStore(
  cache: RedisCacheOptionsInput,
  options: RedisKeyvStoreOptions = {},
): { readonly store: KeyvCompatibleStore; readonly cache: RedisCacheStore } {
  const redis = createRedisCacheStore({ ...cache, fillFenceMs: 0 });
  return { store: createKeyvStore(redis, options), cache: redis };
}
