import { isStorageError } from '../../errors/index.js';
import { callerAbortError, type CallSite } from './deadline.js';
import type { RetryBudget } from './retry-budget.js';

/** The backoff settings of `resilience.retry`. */
export interface BackoffSettings {
  readonly attempts: number;
  readonly baseMs: number;
  readonly capMs: number;
}

/**
 * The wait before retry `n` (1 = the first retry): full jitter, uniform in
 * [0, min(capMs, baseMs × 2^(n-1))]. `random` returns a number in [0, 1).
 */
export function backoffDelay(n: number, settings: BackoffSettings, random: () => number = Math.random): number {
  const ceiling = Math.min(settings.capMs, settings.baseMs * 2 ** (n - 1));
  return Math.floor(random() * ceiling);
}

/** True for an error worth another attempt: a StorageError marked retryable. */
export function isRetryable(error: unknown): boolean {
  return isStorageError(error) && error.retryable && error.code !== 'CIRCUIT_OPEN';
}

/** What one retried call needs. */
export interface RetryRun {
  readonly settings: BackoffSettings;
  readonly budget: RetryBudget;
  readonly idempotent: boolean;
  readonly signal: AbortSignal | undefined;
  readonly site: CallSite;
  /** Called once per retry, before its backoff (feeds `storage_retries_total`). */
  readonly onRetry: () => void;
}

/**
 * Runs `attempt` and retries retryable failures of idempotent calls with backoff, while attempts,
 * the retry budget and the caller's signal allow. The last error is thrown unchanged. The first
 * attempt adds no async frame: the retry loop starts only after a failure.
 */
export function runWithRetry<T>(attempt: () => Promise<T>, run: RetryRun): Promise<T> {
  run.budget.recordRequest();
  if (!run.idempotent || run.settings.attempts <= 1) return attempt();
  return attempt().catch((error: unknown) => retryAfter(error, attempt, run));
}

async function retryAfter<T>(first: unknown, attempt: () => Promise<T>, run: RetryRun): Promise<T> {
  let error = first;
  for (let n = 1; ; n++) {
    if (n >= run.settings.attempts || !isRetryable(error) || run.signal?.aborted === true || !run.budget.tryRetry()) throw error;
    run.onRetry();
    await sleep(backoffDelay(n, run.settings), run.signal, run.site);
    try {
      return await attempt();
    } catch (next) {
      error = next;
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined, site: CallSite): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(callerAbortError(signal?.reason, site));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
