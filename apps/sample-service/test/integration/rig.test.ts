import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { resolveService } from '@sanctum/test-services';
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

const [postgres, redis, s3] = await Promise.all([resolveService('postgres'), resolveService('redis'), resolveService('s3')]);
const env = {
  STORAGE_TEST_POSTGRES_URL: postgres.url,
  STORAGE_TEST_REDIS_URL: redis.url,
  STORAGE_TEST_S3_ENDPOINT: s3.endPoint,
  STORAGE_TEST_S3_PORT: String(s3.port),
  STORAGE_TEST_S3_USE_SSL: String(s3.useSSL),
  STORAGE_TEST_S3_ACCESS_KEY: s3.accessKey,
  STORAGE_TEST_S3_SECRET_KEY: s3.secretKey,
  STORAGE_TEST_S3_REGION: s3.region,
};

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
