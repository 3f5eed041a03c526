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
  RecordCapabilities,
  RecordOperations,
  RecordStore,
} from './record-store.js';
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
export { defineAdapter } from './factory.js';
export type { AnyStore, AdapterContext, AdapterFactory } from './factory.js';
