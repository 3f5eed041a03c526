import { StorageError, isStorageError } from '../errors/index.js';
import { abortReasonError } from '../spi/helpers/abort.js';

interface Where {
  readonly operation: string;
  readonly namespace: string;
  readonly adapter: string;
}

/**
 * Turns whatever an operation threw into a StorageError carrying where it happened. Adapters map
 * their driver errors themselves; anything else that slips through becomes INTERNAL (or TIMEOUT /
 * UNAVAILABLE for aborts) so raw errors never reach callers.
 */
export function normalizeError(error: unknown, where: Where): StorageError {
  if (isStorageError(error)) {
    return error instanceof StorageError ? error.withContext(where) : adopt(error, where);
  }
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return abortReasonError(error, where);
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError('INTERNAL', `${where.operation} failed unexpectedly: ${message}`, { ...where, cause: error });
}

// A StorageError from another copy of core: keep its code, give it this copy's class.
function adopt(error: StorageError, where: Where): StorageError {
  return new StorageError(error.code, error.message, {
    retryable: error.retryable,
    operation: error.operation ?? where.operation,
    namespace: error.namespace ?? where.namespace,
    adapter: error.adapter ?? where.adapter,
    cause: error.cause,
    details: error.details,
  });
}
