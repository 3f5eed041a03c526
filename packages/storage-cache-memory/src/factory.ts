import type { AdapterFactory, CacheStore } from '@sanctum/storage-core/spi';
import { buildMemoryCache } from './memory-cache.js';
import { memoryCacheOptionsSchema, type MemoryCacheOptions, type MemoryCacheRuntimeOptions } from './options.js';

/**
 * The adapter factory for `caches.<name>: { use: 'memory', options }`. Pass it in
 * `runtime.adapters`; core validates `options` with its schema and creates one cache per config entry.
 *
 * @example
 * createStorageClient(
 *   { schemaVersion: 1, caches: { hot: { use: 'memory', options: { maxEntries: 100_000, ttlMs: 30_000 } } }, namespaces },
 *   { adapters: [memoryCache()] },
 * );
 */
export function memoryCache(runtime: MemoryCacheRuntimeOptions = {}): AdapterFactory<CacheStore, MemoryCacheOptions> {
  return {
    kind: 'cache',
    name: 'memory',
    optionsSchema: memoryCacheOptionsSchema,
    create: (options) => buildMemoryCache(options, runtime),
  };
}
