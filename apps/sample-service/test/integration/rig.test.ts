import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { servicesEnv } from '@sanctum/test-services';
import { memoryCache } from '@sanctum/storage-cache-memory';
import { redisCache } from '@sanctum/storage-cache-redis';
import type { AdapterFactory } from '@sanctum/storage-core';
import { postgresRecords } from '@sanctum/storage-postgres';
import { s3Blobs } from '@sanctum/storage-s3';
import { redisStreams } from '@sanctum/storage-stream/redis';
import { describe, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startService } from '../../src/service.js';
import { exerciseService } from '../flow.js';

const env = await servicesEnv(['postgres', 'redis', 's3']);

describe('sample service on the rig (PostgreSQL + Redis cache, Ceph RGW, Redis Streams)', () => {
  it('serves the same flow on real servers', async () => {
    const config = await loadConfig(fileURLToPath(new URL('../../configs/rig.json', import.meta.url)), env);
    const adapters = [postgresRecords(), s3Blobs(), redisStreams(), redisCache(), memoryCache()] as AdapterFactory[];
    const service = await startService({ config, adapters });
    try {
      await exerciseService(service, `it-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`);
    } finally {
      await service.shutdown();
    }
  }, 150_000);
});
