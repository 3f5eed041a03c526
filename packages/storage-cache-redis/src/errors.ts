import { StorageError, isStorageError, type StorageErrorCode } from '@sanctum/storage-core';
import { ErrorReply, SocketTimeoutError, TimeoutError, ConnectionTimeoutError } from 'redis';

/** The adapter name in errors, metrics and config (`use: 'redis'`). */
export const REDIS_CACHE_ADAPTER = 'redis';

/** Server error-reply kinds (the reply's first word) that are not INTERNAL. */
const REPLY_CODES: Readonly<Record<string, StorageErrorCode>> = {
  OOM: 'BACKPRESSURE',
  NOPERM: 'ACCESS_DENIED',
  NOAUTH: 'ACCESS_DENIED',
  WRONGPASS: 'ACCESS_DENIED',
  READONLY: 'UNAVAILABLE',
  LOADING: 'UNAVAILABLE',
  BUSY: 'UNAVAILABLE',
  MASTERDOWN: 'UNAVAILABLE',
};

function codeOf(error: unknown): StorageErrorCode {
  if (error instanceof ErrorReply) return REPLY_CODES[/^[A-Z]+/.exec(error.message)?.[0] ?? ''] ?? 'INTERNAL';
  if (error instanceof TimeoutError || error instanceof SocketTimeoutError || error instanceof ConnectionTimeoutError) return 'TIMEOUT';
  // Everything else node-redis raises is about the connection: offline, closed, socket lost, refused.
  return 'UNAVAILABLE';
}

/**
 * Maps anything node-redis throws to a StorageError of this adapter; StorageErrors pass through
 * with context added. Raw driver errors never reach callers.
 */
export function mapRedisCacheError(error: unknown, operation: string): StorageError {
  if (isStorageError(error)) return error.withContext({ operation, adapter: REDIS_CACHE_ADAPTER });
  const code = codeOf(error);
  const reason = error instanceof Error ? error.message : String(error);
  return new StorageError(code, `redis cache ${operation} failed: ${reason}`, { operation, adapter: REDIS_CACHE_ADAPTER, cause: error });
}
