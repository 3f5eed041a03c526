// Public surface of @sanctum/storage-contract-tests. Everything exported is listed here by name.
export type { TestRunner, SuiteOptions } from './runner.js';
export { recordStoreContract } from './records/record-contract.js';
export type { RecordStoreContractOptions } from './records/record-contract.js';
export { blobStoreContract } from './blobs/blob-contract.js';
export type { BlobStoreContractOptions, CorruptBlob } from './blobs/blob-contract.js';
export { corruptByRewriting } from './blobs/checksum.js';
export { streamStoreContract } from './streams/stream-contract.js';
export type { StreamStoreContractOptions } from './streams/stream-contract.js';
export { cacheStoreContract } from './cache/cache-contract.js';
export type { CacheStoreContractOptions } from './cache/cache-contract.js';
export { facadeGoldenSuite } from './facade/facade-golden.js';
export type { FacadeGoldenSuiteOptions } from './facade/facade-golden.js';
export { recordWormContract, blobWormContract } from './worm/worm-contract.js';
export type { WormContractOptions } from './worm/worm-contract.js';
