// @sanctum/storage-core/spi: what an adapter author needs. The store interfaces, defineAdapter,
// the shared helpers every first-party adapter uses (abort, options validation, socket errors),
// the error class and the reference in-memory stores. Pinned by test/unit/entry-points.test.ts.
export { STORAGE_ERROR_CODES, RETRYABLE_BY_DEFAULT, isStorageErrorCode, StorageError, isStorageError } from '../errors/index.js';
export type { StorageErrorCode, StorageErrorOptions } from '../errors/index.js';
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
  Principal,
} from '../types/index.js';
export type { AuditEvent, AuditEventType, AuditSink } from './audit.js';
export { createNoopLogger } from '../observability/logger.js';
export type { Logger, LogEvent, LogLevel } from '../observability/logger.js';
export type { StoreBase, NamespacedRequest } from './store-base.js';
export type {
  RecordEntry,
  RecordWriteResult,
  ReadPreferences,
  RecordGetRequest,
  WriteConditions,
  RecordPutRequest,
  RecordValue,
  RecordDeleteRequest,
  RecordListRequest,
  RecordGetManyRequest,
  RecordPutManyRequest,
  RecordDeleteManyRequest,
  RecordSpliceRequest,
  RecordCapabilities,
  RecordOperations,
  RecordStore,
} from './record-store.js';
export type {
  OutboxEnqueueRequest,
  OutboxReceipt,
  OutboxRow,
  OutboxBatchOutcome,
  OutboxClaimRequest,
  OutboxStats,
  OutboxWatch,
  OutboxStore,
  OutboxOperations,
} from './outbox-store.js';
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
  BlobReplaceMetadataRequest,
  BlobObject,
  BlobCapabilities,
  BlobStore,
} from './blob-store.js';
export { DEAD_LETTER, deadLetterNamespace } from './stream-store.js';
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
} from './stream-store.js';
export type { CacheEntry, CacheCapabilities, CacheStore } from './cache-store.js';
export type { KeyProvider, EncryptionContext } from '../crypto/key-provider.js';
export { defineAdapter } from './factory.js';
export type { AnyStore, AdapterContext, AdapterFactory } from './factory.js';
export { abortReasonError, abortedError, throwIfAborted } from './helpers/abort.js';
export type { AbortContext } from './helpers/abort.js';
export { ROOT_PATH, toOptionsIssues, configInvalid, parseOptions } from './helpers/config-issues.js';
export type { OptionsIssue, ParseOptionsContext } from './helpers/config-issues.js';
export { classifySocketError, socketErrorCode } from './helpers/socket-errors.js';
export type { SocketErrorClass } from './helpers/socket-errors.js';
export { CHECKSUM_METADATA_KEY } from '../layers/integrity/checksum.js';
export {
  createMemoryRecordStore,
  memoryRecords,
  createMemoryBlobStore,
  memoryBlobs,
  createMemoryStreamStore,
  memoryStreams,
} from '../memory/index.js';
export type { MemoryRecordStoreOptions, MemoryBlobStoreOptions, MemoryStreamStoreOptions } from '../memory/index.js';
// Core's one rulebook for input, for adapters that re-check requests (docs/adr/005-validation-rules.md).
export {
  MAX_KEY_BYTES,
  MAX_BATCH,
  MAX_JSON_DEPTH,
  MAX_TIMER_MS,
  MAX_TTL_MS,
  MAX_PAGE_LIMIT,
  MAX_IN_FLIGHT,
  MAX_DELIVERIES,
  MAX_MESSAGE_KEY_BYTES,
  MAX_PRESIGN_SECONDS,
  invalidArgument,
  payloadTooLarge,
  hasLoneSurrogate,
  assertKey,
  assertKeyList,
  prefixOf,
  serializeJson,
  assertIntegerIn,
  pageLimitOf,
  assertTtl,
  assertTimerMs,
  assertConditions,
  assertReadPreferences,
  validateRecordGet,
  validateRecordPut,
  validateRecordDelete,
  validateRecordList,
  validateRecordKeys,
  validateRecordPutMany,
  validateRecordSplice,
  MAX_SPLICE_BYTES,
  encodeListingCursor,
  decodeListingCursor,
  encodeJsonPayload,
  validatePublish,
  validateSubscribe,
  isBlobBody,
  assertUserMetadata,
  validateBlobPut,
  validateBlobGet,
  validateBlobDelete,
  validateBlobList,
  validateBlobPresign,
} from '../validation/index.js';
export type { Where, RecordLimits, Listing } from '../validation/index.js';
