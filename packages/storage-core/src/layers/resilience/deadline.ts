import { StorageError } from '../../errors/index.js';
import type { DeadlineQueue } from './deadline-queue.js';

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

/** How long a call may take: a shared queue for the usual timeout, or a timeout of its own. */
export type DeadlineSource = DeadlineQueue | number;

/**
 * Runs `call` so that it settles by its deadline or the caller's abort, whatever the driver does.
 * The request `call` receives has a `signal` that fires on either; it is made only when the adapter
 * reads it (adapters hand it to the driver so a connection that missed its deadline is discarded).
 * A late answer or failure of the abandoned call is ignored.
 */
export function runWithDeadline<R extends { readonly signal?: AbortSignal }, T>(
  call: (request: R) => Promise<T>,
  request: R,
  deadline: DeadlineSource,
  site: CallSite,
): Promise<T> {
  const callerSignal = request.signal;
  if (callerSignal?.aborted) return Promise.reject(callerAbortError(callerSignal.reason, site));
  let controller: AbortController | undefined;
  const forwarded = {
    ...request,
    get signal(): AbortSignal {
      controller ??= new AbortController();
      return controller.signal;
    },
  };
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const give = (error: StorageError): void => {
      if (settled) return;
      finish();
      controller?.abort(error);
      reject(error);
    };
    const onCallerAbort = (): void => give(callerAbortError(callerSignal?.reason, site));
    const timeoutMs = typeof deadline === 'number' ? deadline : deadline.timeoutMs;
    const expire = (): void =>
      give(
        new StorageError('TIMEOUT', `${site.operation} got no answer from ${site.adapter} within ${timeoutMs} ms (resilience.timeoutMs); the call was abandoned`, {
          ...site,
          retryable: true,
        }),
      );
    const timer = typeof deadline === 'number' ? setTimeout(expire, deadline) : undefined;
    const entry = typeof deadline === 'number' ? undefined : deadline.add(expire);
    function finish(): void {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      if (entry !== undefined) entry.expire = undefined;
      callerSignal?.removeEventListener('abort', onCallerAbort);
    }
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    let pending: Promise<T>;
    try {
      pending = call(forwarded as R);
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
