import { describe, it } from 'vitest';
import { facadeGoldenSuite, streamStoreContract } from '@sanctum/storage-contract-tests';
import { createMemoryCacheStore } from '@sanctum/storage-cache-memory';
import { resolveService } from '@sanctum/test-services';
import { createRedisStreamStore } from '../../src/redis/index.js';

const { url } = await resolveService('redis');
// Short reclaim timings so the suite's redelivery waits stay within its defaults.
const create = () => createRedisStreamStore({ url, keyPrefix: 'test:', reclaimIntervalMs: 200, reclaimGraceMs: 200, closeTimeoutMs: 1_000 });

streamStoreContract({
  runner: { describe, it },
  title: 'Redis Streams StreamStore contract',
  create,
  capabilities: { replayFromId: true, replayFromTime: true, ordering: 'total' },
  namespacePrefix: 'contract-redis',
});

facadeGoldenSuite({
  runner: { describe, it },
  title: 'Facade golden suite over Redis Streams',
  cache: () => createMemoryCacheStore({}),
  streams: create,
  namespacePrefix: 'golden-redis',
});
