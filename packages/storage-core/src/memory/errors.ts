import { StorageError, type StorageErrorCode } from '../errors/index.js';
import { throwIfAborted as throwIfSignalled } from '../spi/helpers/abort.js';

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

/** Fails like every adapter does when the caller's signal has fired (the shared SPI rule). */
export function throwIfAborted(signal: AbortSignal | undefined, operation: string, namespace: string): void {
  throwIfSignalled(signal, { operation, namespace, adapter: MEMORY_ADAPTER });
}

/** INVALID_ARGUMENT unless `key` is a non-empty string. */
export function assertKey(key: unknown, operation: string, namespace: string): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw memoryError('INVALID_ARGUMENT', 'key must be a non-empty string', operation, namespace);
  }
}

/** The page size of a listing: default 100, clamped to 1000; anything but a positive integer is refused. */
export function pageLimit(limit: number | undefined, operation: string, namespace: string): number {
  if (limit === undefined) return 100;
  if (!Number.isInteger(limit) || limit < 1) {
    throw memoryError('INVALID_ARGUMENT', 'limit must be a positive integer', operation, namespace);
  }
  return Math.min(limit, 1000);
}
