import type { AdapterFactory } from '@sanctum/storage-core';
import { buildRedisCache, type RedisCacheStore } from './redis-cache.js';
import { redisCacheOptionsSchema, type RedisCacheOptions } from './options.js';

/**
 * The adapter factory for `caches.<name>: { use: 'redis', options }`. Pass it in
 * `runtime.adapters`; core validates `options` with its schema and creates one cache per config entry.
 *
 * @example
 * createStorageClient(
 *   { schemaVersion: 1, caches: { shared: { use: 'redis', options: { url: 'redis://cache:6379', l1: { maxEntries: 10_000 } } } }, namespaces },
 *   { adapters: [redisCache()] },
 * );
 */
export function redisCache(): AdapterFactory<RedisCacheStore, RedisCacheOptions> {
  return {
    kind: 'cache',
    name: 'redis',
    optionsSchema: redisCacheOptionsSchema,
    create: (options) => buildRedisCache(options),
  };
}
