// @sanctum/storage-core: the facade user's API. Adapter authors import `@sanctum/storage-core/spi`;
// everything else of core is internal. Every name is listed here; test/unit/entry-points.test.ts
// pins the list, so an accidental export fails the build (ADR-006).
export { STORAGE_ERROR_CODES, RETRYABLE_BY_DEFAULT, isStorageErrorCode, StorageError, isStorageError } from './errors/index.js';
export type { StorageErrorCode, StorageErrorOptions } from './errors/index.js';
export type {
  JsonValue,
  JsonObject,
  JsonPrimitive,
  JsonCompatible,
  JsonShaped,
  StoreKind,
  Consistency,
  WriteResult,
  Page,
  HealthReport,
  OperationOptions,
  StandardSchemaV1,
  Principal,
} from './types/index.js';
// SPI shapes that the facade's own signatures return or accept, so users can name them.
export type { RecordWriteResult } from './spi/record-store.js';
export type { BlobMeta, BlobWriteResult, BlobAcl, ByteRange } from './spi/blob-store.js';
export type { StartPosition, Subscription } from './spi/stream-store.js';
export type { AdapterFactory } from './spi/factory.js';
export { DEAD_LETTER, deadLetterNamespace } from './spi/stream-store.js';
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
  SecurityConfig,
  SecurityConfigInput,
  AccessRuleConfig,
  NamespaceSecurityConfig,
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
  RecordCollectionOptions,
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
  ScopedStorage,
  SecurityRuntime,
} from './client/types.js';
export { ACCESS_ACTIONS } from './security/policy.js';
export type { AccessAction, AccessResource, AccessDecision, AccessPolicy } from './security/policy.js';
export { createRulePolicy } from './security/rule-policy.js';
export type { AccessRule } from './security/rule-policy.js';
export { createJsonLinesAuditSink, createRecordAuditSink } from './security/audit-sinks.js';
export type { AuditRecordTarget } from './security/audit-sinks.js';
export type { AuditEvent, AuditEventType, AuditSink } from './spi/audit.js';
export { CHECKSUM_METADATA_KEY } from './layers/integrity/checksum.js';
export type { Layer, LayerContext, LayerRuntime, StoreMethods, TransactionScope } from './layers/layer.js';
export { defineLayer, LAYER_SLOTS } from './layers/pipeline.js';
export type { LayerSlot, LayerKinds, SlottedLayer } from './layers/pipeline.js';
export { idempotentHandler, idempotentTransaction, recordClaims } from './streams/idempotent-handler.js';
export type { IdempotentHandlerOptions, IdempotencyClaims, IdempotentTransactionOptions } from './streams/idempotent-handler.js';
export { runOutboxRelay, startOutboxRelay, relayOutboxOnce, OUTBOX_ID_HEADER } from './outbox/relay.js';
export type { OutboxRelayOptions, OutboxRelayResult, OutboxRelay } from './outbox/relay.js';
export type { Outbox } from './outbox/outbox-handle.js';
export type { OutboxTopic, OutboxPublishOptions } from './outbox/transaction-topic.js';
export type { OutboxStats } from './spi/outbox-store.js';
export { createChaosControl } from './layers/chaos/chaos-control.js';
export type { ChaosControl, ChaosSettings, ChaosSettingsInput } from './layers/chaos/chaos-control.js';
export { IDEMPOTENCY_KEY_HEADER } from './layers/resilience/policy.js';
export { CIRCUIT_STATE } from './layers/resilience/breaker.js';
export type { ResilienceConfig, ResilienceConfigInput } from './config/index.js';
export {
  createLedger,
  MAX_RECOVER_RANGE,
  recordLedgerBackend,
  blobLedgerBackend,
  entryKey,
  GENESIS_HASH,
  entryHash,
  ledgerAuditSink,
} from './ledger/index.js';
export type {
  Ledger,
  LedgerOptions,
  LedgerRange,
  CorruptRange,
  TipStatus,
  VerifyReport,
  VerifyProgress,
  VerifyOptions,
  AppendResult,
  RecoverReport,
  LedgerBackend,
  StoredTip,
  LedgerEntry,
  LedgerTip,
  LedgerSigning,
  EntryProblem,
} from './ledger/index.js';
export { localKeyring } from './crypto/local-keyring.js';
export type { LocalKeyring, LocalKeyringOptions, SubjectKeyStore } from './crypto/local-keyring.js';
export type { KeyProvider, EncryptionContext } from './crypto/key-provider.js';
export type { EncryptionConfig } from './config/index.js';
export type { RotateKeysOptions, RotationReport } from './layers/encryption/rotate.js';
export type { EraseSubjectOptions, EraseReport } from './layers/encryption/erase.js';
