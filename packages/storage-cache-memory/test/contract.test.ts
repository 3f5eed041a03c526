import { afterEach, beforeEach, describe, it } from 'vitest';
import { cacheStoreContract } from '@sanctum/storage-contract-tests';
import { createMemoryCacheStore } from '../src/index.js';

cacheStoreContract({
  runner: { describe, it, beforeEach, afterEach },
  create: () => createMemoryCacheStore({ maxEntries: 1_000 }),
  capabilities: { shared: false },
  title: 'memory cache: CacheStore contract',
});

cacheStoreContract({
  runner: { describe, it, beforeEach, afterEach },
  create: () => createMemoryCacheStore({ maxEntries: 1_000, maxBytes: 1 << 20, cloneOnSet: false }),
  capabilities: { shared: false },
  title: 'memory cache (maxBytes, no clone): CacheStore contract',
});
