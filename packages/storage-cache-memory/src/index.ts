// Public surface of @sanctum/storage-cache-memory. Everything exported is listed here by name.
export { memoryCache } from './factory.js';
export { createMemoryCacheStore, createMemoryCache } from './memory-cache.js';
export type { MemoryCacheStore } from './memory-cache.js';
export type { MemoryCacheOptions, MemoryCacheOptionsInput, MemoryCacheRuntimeOptions } from './options.js';
export { createKeyvStore } from './keyv-store.js';
export type { KeyvStoreOptions, KeyvCompatibleStore } from './keyv-store.js';
