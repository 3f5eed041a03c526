import { describe, it } from 'vitest';
import { cacheStoreContract, facadeGoldenSuite } from '@sanctum/storage-contract-tests';
import { rigCache, uniquePrefix } from '../support/redis.js';

// One prefix per suite: the shared-cache test needs two instances on the same prefix and channel.
const prefix = uniquePrefix('contract');
const prefixL1 = uniquePrefix('contract-l1');

cacheStoreContract({
  runner: { describe, it },
  title: 'redis cache: CacheStore contract',
  create: () => rigCache({ keyPrefix: prefix }),
  capabilities: { shared: true },
  namespacePrefix: 'contract-redis-cache',
});

cacheStoreContract({
  runner: { describe, it },
  title: 'redis cache with L1: CacheStore contract',
  create: () => rigCache({ keyPrefix: prefixL1, l1: { maxEntries: 1_000 } }),
  capabilities: { shared: true },
  namespacePrefix: 'contract-redis-cache-l1',
});

facadeGoldenSuite({
  runner: { describe, it },
  title: 'Facade golden suite over the redis cache',
  cache: () => rigCache(),
  namespacePrefix: 'golden-redis-cache',
});

facadeGoldenSuite({
  runner: { describe, it },
  title: 'Facade golden suite over the redis cache with L1',
  cache: () => rigCache({ l1: { maxEntries: 1_000 } }),
  namespacePrefix: 'golden-redis-cache-l1',
});
