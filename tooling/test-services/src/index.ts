export { HOW_TO_START, SERVICE_ENV_KEYS, resolveService, resolveServiceUncached } from './resolve.js';
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
