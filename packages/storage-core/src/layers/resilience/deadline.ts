import { StorageError } from '../../errors/index.js';

/** Where a call runs, for error messages and labels. */
export interface CallSite {
  readonly operation: string;
  readonly namespace: string;
  readonly adapter: string;
}

/** The StorageError for a caller's abort: TIMEOUT when the reason is a timeout, else UNAVAILABLE. */
export function callerAbortError(reason: unknown, site: CallSite): StorageError {
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  return new StorageError(timedOut ? 'TIMEOUT' : 'UNAVAILABLE', `${site.operation} was ${timedOut ? 'timed out' : 'aborted'} by the caller's signal`, {
    ...site,
    retryable: false,
    cause: reason,
  });
}

/**
 * The TIMEOUT of an attempt the backend did not answer in time. A read has no effect to report. For a
 * write the layer cannot know whether the backend applied it before the deadline (the request may
 * have reached it), so it says so: `details.outcome = 'unknown'`. Read the record back (or write
 * conditionally) before repeating an unconditional write.
 */
export function deadlineError(site: CallSite, timeoutMs: number, write: boolean): StorageError {
  const outcome = write ? '; the write may or may not have been applied (details.outcome = "unknown")' : '';
  return new StorageError('TIMEOUT', `${site.operation} got no answer from ${site.adapter} within ${timeoutMs} ms (resilience.timeoutMs); the call was abandoned${outcome}`, {
    ...site,
    retryable: true,
    ...(write ? { details: { outcome: 'unknown', timeoutMs } } : { details: { timeoutMs } }),
  });
}
