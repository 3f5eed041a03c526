export { STORAGE_ERROR_CODES, RETRYABLE_BY_DEFAULT, isStorageErrorCode } from './codes.js';
export type { StorageErrorCode } from './codes.js';
export { StorageError, isStorageError } from './storage-error.js';
export type { StorageErrorOptions } from './storage-error.js';
