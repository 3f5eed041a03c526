// Public surface of @sanctum/storage-cache-memory. Everything exported is listed here by name.
export { memoryCache } from './factory.js';
export { createMemoryCache } from './memory-cache.js';
export type { MemoryCacheStore } from './memory-cache.js';
export { memoryCacheOptionsSchema, DEFAULT_MAX_ENTRIES, DEFAULT_TTL_CAP_MS } from './options.js';
export type { MemoryCacheOptions, MemoryCacheOptionsInput, MemoryCacheRuntimeOptions } from './options.js';
export { estimateEntryBytes } from './estimate-size.js';
export { createKeyvStore } from './keyv-store.js';
export type { KeyvStoreOptions, KeyvCompatibleStore, KeyListing } from './keyv-store.js';
