import { StorageError, type StorageErrorCode } from '../errors/index.js';
import type { Where } from '../validation/index.js';

/** The adapter name every memory store reports. */
export const MEMORY_ADAPTER = 'memory';

/** A StorageError attributed to the memory adapter. */
export function memoryError(
  code: StorageErrorCode,
  message: string,
  operation: string,
  namespace?: string,
  extra: { readonly details?: Readonly<Record<string, unknown>>; readonly cause?: unknown } = {},
): StorageError {
  return new StorageError(code, message, { operation, namespace, adapter: MEMORY_ADAPTER, ...extra });
}

/** Fails like every adapter does when the caller's signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, operation: string, namespace: string): void {
  if (signal?.aborted !== true) return;
  const reason: unknown = signal.reason;
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  throw new StorageError(timedOut ? 'TIMEOUT' : 'UNAVAILABLE', `${operation} was aborted`, {
    operation,
    namespace,
    adapter: MEMORY_ADAPTER,
    cause: reason,
  });
}

/** Where a memory-store check runs, for core's validation module. */
export function memoryWhere(operation: string, namespace: string | undefined): Where {
  return { operation, namespace, adapter: MEMORY_ADAPTER };
}
