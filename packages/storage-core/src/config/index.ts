export { SUPPORTED_SCHEMA_VERSIONS, storageConfigV1 } from './schema.js';
export type {
  StorageConfigInput,
  StorageConfig,
  NamespaceConfig,
  RecordNamespaceConfig,
  BlobNamespaceConfig,
  StreamNamespaceConfig,
  AdapterInstanceConfig,
  EncryptionConfig,
} from './schema.js';
export { parseConfig, validateConfig } from './parse-config.js';
export type { ConfigIssue, ConfigValidation } from './parse-config.js';
export { resilienceConfig } from './resilience-schema.js';
export type { ResilienceConfig, ResilienceConfigInput } from './resilience-schema.js';
export { securityConfig, accessRuleConfig, namespaceSecurityConfig } from './security-schema.js';
export type { SecurityConfig, SecurityConfigInput, AccessRuleConfig, NamespaceSecurityConfig } from './security-schema.js';
