import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { resolveService } from '@sanctum/test-services';

const [postgres, redis, s3, kafka] = await Promise.all([resolveService('postgres'), resolveService('redis'), resolveService('s3'), resolveService('kafka')]);

/** The rig's servers as the variables `configs/rig.json` references (a missing service fails the file). */
export const RIG_ENV: Readonly<Record<string, string>> = {
  STORAGE_TEST_POSTGRES_URL: postgres.url,
  STORAGE_TEST_REDIS_URL: redis.url,
  STORAGE_TEST_KAFKA_BROKERS: kafka.brokers.join(','),
  STORAGE_TEST_S3_ENDPOINT: s3.endPoint,
  STORAGE_TEST_S3_PORT: String(s3.port),
  STORAGE_TEST_S3_USE_SSL: String(s3.useSSL),
  STORAGE_TEST_S3_ACCESS_KEY: s3.accessKey,
  STORAGE_TEST_S3_SECRET_KEY: s3.secretKey,
  STORAGE_TEST_S3_REGION: s3.region,
};

/** The documented rig config (the README's one-liner uses it). */
export const RIG_CONFIG = fileURLToPath(new URL('../../configs/rig.json', import.meta.url));

/** A key prefix unique to this test process. */
export const RUN = `it-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
