// Public surface of @sanctum/storage-cache-memory. Everything exported is listed here by name.
export { memoryCache } from './factory.js';
export { createMemoryCacheStore, createMemoryCache } from './memory-cache.js';
export type { MemoryCacheStore } from './memory-cache.js';
// Exported so caches that embed a memory L1 (the Redis cache) validate its options with the same schema.
export { memoryCacheOptionsSchema } from './options.js';
export type { MemoryCacheOptions, MemoryCacheOptionsInput, MemoryCacheRuntimeOptions } from './options.js';
export { createKeyvStore } from './keyv-store.js';
export type { KeyvStoreOptions, KeyvCompatibleStore, KeyListing } from './keyv-store.js';
