import * as vitest from 'vitest';
import Keyv from 'keyv';
import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import { createKeyvStore, createMemoryCache } from '@sanctum/storage-cache-memory';
import { createRedisKeyvStore } from '../../src/index.js';
import { redisUrl, uniquePrefix } from '../support/redis.js';

// keyv's official suite, against each store with ONE shared backing cache: every `store()` call
// returns a new Keyv store over the same cache, as separate Keyv instances (and namespaces) would
// share one Redis or one process's LRU. Core-style entries live in the same cache, untouched.
const { describe, beforeAll, afterAll, expect, it } = vitest;

describe('@keyv/test-suite on the memory cache Keyv store (one shared LRU)', () => {
  const shared = createMemoryCache({ maxEntries: 10_000 });
  const store = () => createKeyvStore(shared);
  keyvTestSuite(vitest as never, Keyv, store);
  keyvIteratorTests(vitest as never, Keyv, store);
});

describe('@keyv/test-suite on the redis Keyv store (one shared Redis cache)', () => {
  const { store: first, cache } = createRedisKeyvStore({ url: redisUrl, keyPrefix: uniquePrefix('keyv') });
  const coreKey = 'users\u0000u1';
  beforeAll(async () => {
    await cache.open();
    await cache.set(coreKey, { value: { name: 'Ada' }, version: 1, etag: 'e1', storedAt: 1 }, 600_000);
  });
  afterAll(async () => {
    // Whatever keyv's clears left, the core entry beside them survived every test.
    expect(await cache.get(coreKey)).toMatchObject({ value: { name: 'Ada' } });
    await cache.clear();
    await cache.close();
  });
  const store = () => createKeyvStore(cache);
  void first;
  keyvTestSuite(vitest as never, Keyv, store);
  keyvIteratorTests(vitest as never, Keyv, store);
  it('the store returned with the cache is a Keyv store over it', async () => {
    const keyv = new Keyv({ store: first, namespace: 'own' });
    await keyv.set('k', 'v');
    expect(await cache.get('keyv\u0000own:k')).toBeDefined();
  });
});
