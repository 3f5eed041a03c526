import { StorageError, isStorageError } from '../../errors/index.js';

/** Where an operation ran: copied onto the StorageError an abort becomes. */
export interface AbortContext {
  readonly operation: string;
  readonly namespace?: string | undefined;
  readonly adapter: string;
}

/**
 * The StorageError for an abort `reason` (a signal's `reason`, or an `AbortError` / `TimeoutError`
 * a driver threw). One rule for every adapter: a reason that is already a StorageError keeps its
 * code (with this context filled in); a `TimeoutError` (what `AbortSignal.timeout` fires with) is
 * TIMEOUT; anything else is UNAVAILABLE, because the caller gave up, not the backend.
 */
export function abortReasonError(reason: unknown, context: AbortContext): StorageError {
  const where = { operation: context.operation, namespace: context.namespace, adapter: context.adapter };
  if (isStorageError(reason)) return reason.withContext(where);
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  return timedOut
    ? new StorageError('TIMEOUT', `${context.operation} timed out`, { ...where, cause: reason })
    : new StorageError('UNAVAILABLE', `${context.operation} was aborted`, { ...where, cause: reason });
}

/** The StorageError of an operation whose caller's `signal` fired (see {@link abortReasonError}). */
export function abortedError(signal: AbortSignal, context: AbortContext): StorageError {
  return abortReasonError(signal.reason, context);
}

/** Throws {@link abortedError} when `signal` has fired; does nothing otherwise. */
export function throwIfAborted(signal: AbortSignal | undefined, context: AbortContext): void {
  if (signal?.aborted === true) throw abortReasonError(signal.reason, context);
}
