// The reference in-memory adapters: the embedded default and the semantics the contract suite checks.
export { createMemoryRecordStore, memoryRecords } from './record-store.js';
export type { MemoryRecordStoreOptions } from './record-store.js';
export { createMemoryBlobStore, memoryBlobs } from './blob-store.js';
export type { MemoryBlobStoreOptions } from './blob-store.js';
export { createMemoryStreamStore, memoryStreams } from './stream-store.js';
export type { MemoryStreamStoreOptions } from './stream-store.js';
