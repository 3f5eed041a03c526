// Public surface of @sanctum/storage-stream/redis. Everything exported is listed here by name.
import type { AdapterFactory, StreamStore } from '@sanctum/storage-core/spi';
import { REDIS_ADAPTER } from './errors.js';
import { redisStreamOptionsSchema, type RedisStreamStoreOptions } from './options.js';
import { createRedisStreamStore } from './stream-store.js';

export { createRedisStreamStore } from './stream-store.js';
export type { RedisStreamStoreOptions } from './options.js';

/**
 * The `use: 'redis-streams'` adapter factory for `createStorageClient`:
 * `adapters: { redis: { use: 'redis-streams', options: { url } } }` with `runtime.adapters: [redisStreams()]`.
 */
export function redisStreams(): AdapterFactory<StreamStore, RedisStreamStoreOptions> {
  return {
    kind: 'stream',
    name: REDIS_ADAPTER,
    optionsSchema: redisStreamOptionsSchema,
    create: (options, context) => createRedisStreamStore(options, context),
  };
}
