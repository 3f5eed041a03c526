// Public surface of @sanctum/storage-cache-redis. Everything exported is listed here by name.
export { redisCache } from './factory.js';
export { createRedisCacheStore } from './redis-cache.js';
export type { RedisCacheStore } from './redis-cache.js';
export { redisCacheOptionsSchema, DEFAULT_KEY_PREFIX, DEFAULT_MAX_VALUE_BYTES } from './options.js';
export type { RedisCacheOptions, RedisCacheOptionsInput } from './options.js';
export { createRedisKeyvStore } from './keyv-store.js';
export type { RedisKeyvStoreOptions } from './keyv-store.js';
export { createRedisClaims } from './claims.js';
export type { RedisClaims, RedisClaimsOptions } from './claims.js';
