/** Every error code a caller can see. The union is public API: codes are added, never renamed. */
export const STORAGE_ERROR_CODES = [
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PRECONDITION_FAILED',
  'CONSISTENCY',
  'CHECKSUM_MISMATCH',
  'CACHE_MISS',
  'ACCESS_DENIED',
  'INVALID_ARGUMENT',
  'CONFIG_INVALID',
  'UNSUPPORTED',
  'TIMEOUT',
  'UNAVAILABLE',
  'CIRCUIT_OPEN',
  'BACKPRESSURE',
  'PAYLOAD_TOO_LARGE',
  'DECRYPT_FAILED',
  'KEY_NOT_FOUND',
  'INTERNAL',
  // A ledger entry that does not verify against its chain (edited, missing, reordered, forged):
  // it is never served as data. Recover the range from another store (docs/ledger.md).
  'INTEGRITY_VIOLATION',
  // A write or delete of a WORM (write once, read many) item before its retention ends or while a
  // legal hold is on.
  'RETENTION_LOCKED',
] as const;

/** A stable, machine-readable error code. */
export type StorageErrorCode = (typeof STORAGE_ERROR_CODES)[number];

/**
 * Whether an error of this code is worth retrying when the caller does not say otherwise.
 * Transient conditions are; anything caused by the request itself is not.
 */
export const RETRYABLE_BY_DEFAULT: Readonly<Record<StorageErrorCode, boolean>> = {
  NOT_FOUND: false,
  ALREADY_EXISTS: false,
  PRECONDITION_FAILED: false,
  CONSISTENCY: true,
  CHECKSUM_MISMATCH: false,
  CACHE_MISS: false,
  ACCESS_DENIED: false,
  INVALID_ARGUMENT: false,
  CONFIG_INVALID: false,
  UNSUPPORTED: false,
  TIMEOUT: true,
  UNAVAILABLE: true,
  CIRCUIT_OPEN: false,
  BACKPRESSURE: true,
  PAYLOAD_TOO_LARGE: false,
  DECRYPT_FAILED: false,
  KEY_NOT_FOUND: false,
  INTERNAL: false,
  INTEGRITY_VIOLATION: false,
  RETENTION_LOCKED: false,
};

const CODE_SET: ReadonlySet<string> = new Set(STORAGE_ERROR_CODES);

/** True when `value` is one of the known error codes. */
export function isStorageErrorCode(value: unknown): value is StorageErrorCode {
  return typeof value === 'string' && CODE_SET.has(value);
}
