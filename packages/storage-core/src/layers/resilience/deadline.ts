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
 * Runs `call` so that it settles by `timeoutMs` or the caller's abort, whatever the driver does.
 * `call` receives a signal that fires on either; adapters pass it to the driver so a connection that
 * did not answer in time is discarded. A late answer or failure of the abandoned call is ignored.
 */
export function runWithDeadline<T>(call: (signal: AbortSignal) => Promise<T>, timeoutMs: number, callerSignal: AbortSignal | undefined, site: CallSite): Promise<T> {
  if (callerSignal?.aborted) return Promise.reject(callerAbortError(callerSignal.reason, site));
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const give = (error: StorageError): void => {
      if (settled) return;
      finish();
      controller.abort(error);
      reject(error);
    };
    const onCallerAbort = (): void => give(callerAbortError(callerSignal?.reason, site));
    const timer = setTimeout(
      () =>
        give(
          new StorageError('TIMEOUT', `${site.operation} got no answer from ${site.adapter} within ${timeoutMs} ms (resilience.timeoutMs); the call was abandoned`, {
            ...site,
            retryable: true,
          }),
        ),
      timeoutMs,
    );
    function finish(): void {
      settled = true;
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    }
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    let pending: Promise<T>;
    try {
      pending = call(controller.signal);
    } catch (error) {
      finish();
      reject(error);
      return;
    }
    pending.then(
      (value) => {
        if (settled) return;
        finish();
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return; // abandoned: its late failure must not become an unhandled rejection
        finish();
        reject(error);
      },
    );
  });
}
