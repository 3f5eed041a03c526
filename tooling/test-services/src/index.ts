export { HOW_TO_START, SERVICE_ENV_KEYS, resolveService, resolveServiceUncached, servicesEnv } from './resolve.js';
export type { ResolveOptions } from './resolve.js';
export { ENV_FILE_NAME, findEnvFile, loadEnvFile, parseEnvFile } from './env-file.js';
export { IMAGES as TESTCONTAINERS_IMAGES } from './containers.js';
export type {
  KafkaServiceInfo,
  PostgresServiceInfo,
  RedisServiceInfo,
  S3ServiceInfo,
  ServiceInfo,
  ServiceInfoMap,
  ServiceName,
  ServiceSource,
} from './types.js';
export { startPrivatePostgres } from './faults/postgres.js';
export type { PrivatePostgresOptions } from './faults/postgres.js';
export { startPrivateRedis } from './faults/redis.js';
export type { PrivateRedisOptions } from './faults/redis.js';
export type { PrivateServer } from './faults/private-server.js';
export { PRIVATE_MARKER, crashServer, resumeServer, stallServer } from './faults/signals.js';
