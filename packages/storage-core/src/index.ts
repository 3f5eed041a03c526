// Public surface of @sanctum/storage-core. Everything exported is listed here by name.
export { STORAGE_ERROR_CODES, RETRYABLE_BY_DEFAULT, isStorageErrorCode, StorageError, isStorageError } from './errors/index.js';
export type { StorageErrorCode, StorageErrorOptions } from './errors/index.js';
export type {
  JsonValue,
  JsonObject,
  StoreKind,
  Consistency,
  WriteResult,
  Page,
  HealthReport,
  OperationOptions,
  StandardSchemaV1,
} from './types/index.js';
export type { StoreBase, NamespacedRequest } from './spi/store-base.js';
export type {
  RecordEntry,
  RecordWriteResult,
  ReadPreferences,
  RecordGetRequest,
  WriteConditions,
  RecordPutRequest,
  RecordDeleteRequest,
  RecordListRequest,
  RecordGetManyRequest,
  RecordPutManyRequest,
  RecordDeleteManyRequest,
  RecordCapabilities,
  RecordOperations,
  RecordStore,
} from './spi/record-store.js';
export type {
  BlobMeta,
  BlobWriteResult,
  BlobAcl,
  BlobPutRequest,
  ByteRange,
  BlobGetRequest,
  BlobHeadRequest,
  BlobDeleteRequest,
  BlobListRequest,
  BlobListPage,
  BlobPresignRequest,
  BlobObject,
  BlobCapabilities,
  BlobStore,
} from './spi/blob-store.js';
export { DEAD_LETTER, deadLetterNamespace } from './spi/stream-store.js';
export type {
  OutgoingMessage,
  StreamMessage,
  StreamPublishRequest,
  PublishReceipt,
  StartPosition,
  MessageHandler,
  SubscribeRequest,
  Subscription,
  StreamCapabilities,
  StreamStore,
} from './spi/stream-store.js';
export type { CacheEntry, CacheCapabilities, CacheStore } from './spi/cache-store.js';
export { defineAdapter } from './spi/factory.js';
export type { AnyStore, AdapterContext, AdapterFactory } from './spi/factory.js';
export {
  SUPPORTED_SCHEMA_VERSIONS,
  storageConfigV1,
  parseConfig,
  validateConfig,
} from './config/index.js';
export type {
  StorageConfigInput,
  StorageConfig,
  NamespaceConfig,
  RecordNamespaceConfig,
  BlobNamespaceConfig,
  StreamNamespaceConfig,
  AdapterInstanceConfig,
  ConfigIssue,
  ConfigValidation,
} from './config/index.js';
export { createNoopLogger, createJsonLogger } from './observability/logger.js';
export type { Logger, LogEvent, LogLevel, JsonLoggerOptions } from './observability/logger.js';
export { createNoopMetrics } from './observability/metrics.js';
export type {
  StorageMetrics,
  OperationLabels,
  OutcomeLabels,
  ErrorLabels,
  CacheLabels,
  NamespaceLabels,
  AdapterLabels,
  Counter,
  Histogram,
  Gauge,
  BoundCounter,
  BoundHistogram,
  BoundGauge,
} from './observability/metrics.js';
export {
  createMemoryRecordStore,
  memoryRecords,
  createMemoryBlobStore,
  memoryBlobs,
  createMemoryStreamStore,
  memoryStreams,
} from './memory/index.js';
export type { MemoryRecordStoreOptions, MemoryBlobStoreOptions, MemoryStreamStoreOptions } from './memory/index.js';
export { cacheKey } from './layers/cache/cache-key.js';
export { createStorageClient } from './client/create-storage-client.js';
export type {
  StorageClient,
  StorageRuntime,
  ReadOptions,
  StoredRecord,
  RecordPutOptions,
  RecordDeleteOptions,
  ListOptions,
  RecordCollection,
  RecordTransaction,
  RecordTransactionCollection,
  BlobPutOptions,
  BlobGetOptions,
  BlobListOptions,
  BlobDownload,
  BlobCollection,
  Message,
  PublishOptions,
  SubscribeOptions,
  StreamTopic,
  ClientHealth,
} from './client/types.js';
export { CHECKSUM_METADATA_KEY } from './layers/integrity/checksum.js';
export { READ_YOUR_WRITES_DEADLINE_MS } from './layers/cache/record-cache.js';
export { composeLayers } from './layers/layer.js';
export type { Layer, LayerContext, LayerRuntime } from './layers/layer.js';
export { idempotentHandler } from './streams/idempotent-handler.js';
export type { IdempotentHandlerOptions } from './streams/idempotent-handler.js';
export { createChaosControl } from './layers/chaos/chaos-control.js';
export type { ChaosControl, ChaosSettings, ChaosSettingsInput } from './layers/chaos/chaos-control.js';
export { IDEMPOTENCY_KEY_HEADER } from './layers/resilience/policy.js';
export { CIRCUIT_STATE } from './layers/resilience/breaker.js';
export type { ResilienceConfig, ResilienceConfigInput } from './config/index.js';
