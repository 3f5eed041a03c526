import { StorageError, isStorageError, type StorageErrorCode } from './spi.js';

/** The adapter name in errors, metrics and spans. */
export const ADAPTER = 'sqlite';

/** A StorageError attributed to this adapter. */
export function sqliteError(code: StorageErrorCode, message: string, operation: string, namespace?: string, cause?: unknown): StorageError {
  return new StorageError(code, message, { operation, namespace, adapter: ADAPTER, cause });
}

// SQLite result codes (the primary code is the prefix of better-sqlite3's `error.code`) → our codes.
// Lock contention is worth a retry; a full disk or a read-only file is an outage, not the caller's fault.
const TABLE: ReadonlyArray<readonly [prefix: string, code: StorageErrorCode, retryable: boolean, message: string]> = [
  ['SQLITE_BUSY', 'UNAVAILABLE', true, 'the database is locked by another connection'],
  ['SQLITE_LOCKED', 'UNAVAILABLE', true, 'a table is locked by another statement'],
  ['SQLITE_FULL', 'UNAVAILABLE', false, 'the disk or database is full'],
  ['SQLITE_READONLY', 'UNAVAILABLE', false, 'the database file is read-only'],
  ['SQLITE_CANTOPEN', 'UNAVAILABLE', false, 'the database file cannot be opened'],
  ['SQLITE_IOERR', 'UNAVAILABLE', true, 'an I/O error occurred'],
  ['SQLITE_TOOBIG', 'PAYLOAD_TOO_LARGE', false, 'the value is larger than SQLite accepts'],
  ['SQLITE_CORRUPT', 'INTERNAL', false, 'the database file is corrupt'],
  ['SQLITE_NOTADB', 'INTERNAL', false, 'the file is not a SQLite database'],
];

/** Maps anything a driver call threw to a StorageError; StorageErrors pass through unchanged. */
export function mapError(error: unknown, operation: string, namespace?: string): StorageError {
  if (isStorageError(error)) return error;
  const code = typeof (error as { code?: unknown } | null)?.code === 'string' ? (error as { code: string }).code : '';
  const row = TABLE.find(([prefix]) => code === prefix || code.startsWith(`${prefix}_`));
  if (row === undefined) return sqliteError('INTERNAL', `unexpected SQLite failure${code ? ` (${code})` : ''}`, operation, namespace, error);
  return new StorageError(row[1], `${row[3]} (${code})`, { operation, namespace, adapter: ADAPTER, cause: error, retryable: row[2] });
}

/** Fails like every adapter does when the caller's signal has already fired. */
export function throwIfAborted(signal: AbortSignal | undefined, operation: string, namespace: string): void {
  if (signal?.aborted !== true) return;
  const reason: unknown = signal.reason;
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  throw new StorageError(timedOut ? 'TIMEOUT' : 'UNAVAILABLE', `${operation} was aborted before it started`, {
    operation,
    namespace,
    adapter: ADAPTER,
    cause: reason,
  });
}
