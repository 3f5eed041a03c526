import { StorageError, classifySocketError, isStorageError, type StorageErrorCode } from '@sanctum/storage-core/spi';
import {
  AbortError,
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ErrorReply,
  MultiErrorReply,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
} from 'redis';

/** The adapter name in errors, metrics and config (`use: 'redis-streams'`). */
export const REDIS_ADAPTER = 'redis-streams';

/** Server error-reply prefixes → code. The first word of a Redis error reply is its kind. */
const REPLY_CODES: Readonly<Record<string, StorageErrorCode>> = {
  OOM: 'BACKPRESSURE', // maxmemory reached: the backend is saturated
  NOPERM: 'ACCESS_DENIED',
  NOAUTH: 'ACCESS_DENIED',
  WRONGPASS: 'ACCESS_DENIED',
  WRONGTYPE: 'INVALID_ARGUMENT', // the key holds something other than a stream
  NOGROUP: 'NOT_FOUND', // the stream or its group was deleted under a consumer
  READONLY: 'UNAVAILABLE', // connected to a replica
  LOADING: 'UNAVAILABLE',
  BUSY: 'UNAVAILABLE', // a long script blocks the server
  MASTERDOWN: 'UNAVAILABLE',
  CLUSTERDOWN: 'UNAVAILABLE',
  TRYAGAIN: 'UNAVAILABLE',
  MOVED: 'UNAVAILABLE',
  ASK: 'UNAVAILABLE',
  NOSCRIPT: 'INTERNAL',
  EXECABORT: 'INTERNAL',
};

/** Client-side failures of node-redis → code. */
const CLIENT_ERRORS: ReadonlyArray<readonly [abstract new (...args: never[]) => Error, StorageErrorCode]> = [
  [TimeoutError, 'TIMEOUT'],
  [SocketTimeoutError, 'TIMEOUT'],
  [ConnectionTimeoutError, 'TIMEOUT'],
  [ClientClosedError, 'UNAVAILABLE'],
  [ClientOfflineError, 'UNAVAILABLE'],
  [DisconnectsClientError, 'UNAVAILABLE'],
  [SocketClosedUnexpectedlyError, 'UNAVAILABLE'],
  [ReconnectStrategyError, 'UNAVAILABLE'],
  [AbortError, 'UNAVAILABLE'],
];

const AUTH_REPLIES: ReadonlySet<string> = new Set(['WRONGPASS', 'NOAUTH', 'NOPERM']);

/** True for a refused login or a missing permission: retrying with the same credentials cannot help. */
export function isAuthFailure(error: unknown): boolean {
  const kind = replyKind(error);
  return kind !== undefined && AUTH_REPLIES.has(kind);
}

/** The code of a Redis error reply such as `BUSYGROUP Consumer Group name already exists`. */
export function replyKind(error: unknown): string | undefined {
  if (!(error instanceof ErrorReply)) return undefined;
  return /^[A-Z]+/.exec(error.message)?.[0];
}

function codeOf(error: unknown): StorageErrorCode {
  // Reconnecting gave up: the failure that made it give up decides (a refused login is ACCESS_DENIED).
  if (error instanceof ReconnectStrategyError && error.socketError instanceof Error) {
    const inner = codeOf(error.socketError);
    if (inner !== 'INTERNAL') return inner;
  }
  // A failed MULTI: the first failing command decides.
  if (error instanceof MultiErrorReply) return codeOf(error.replies[error.errorIndexes[0] ?? -1]);
  const kind = replyKind(error);
  if (kind !== undefined) {
    if (kind === 'ERR' && error instanceof Error && /invalid stream id|stream id specified/i.test(error.message)) return 'INVALID_ARGUMENT';
    return REPLY_CODES[kind] ?? 'INTERNAL';
  }
  for (const [type, code] of CLIENT_ERRORS) if (error instanceof type) return code;
  return classifySocketError(error)?.code ?? 'INTERNAL';
}

/**
 * Maps anything node-redis or Redis throws to a StorageError of this adapter. StorageErrors pass
 * through (with context filled in); nothing raw reaches callers.
 */
export function mapRedisError(error: unknown, operation: string, namespace?: string): StorageError {
  if (isStorageError(error)) return error.withContext({ operation, namespace, adapter: REDIS_ADAPTER });
  const code = codeOf(error);
  const text = error instanceof Error ? error.message : String(error);
  return new StorageError(code, `redis: ${text}`, { operation, namespace, adapter: REDIS_ADAPTER, cause: error });
}

/** A StorageError raised by this adapter itself. */
export function redisError(
  code: StorageErrorCode,
  message: string,
  operation: string,
  namespace?: string,
  extra: { readonly details?: Readonly<Record<string, unknown>>; readonly cause?: unknown } = {},
): StorageError {
  return new StorageError(code, message, { operation, namespace, adapter: REDIS_ADAPTER, ...extra });
}
