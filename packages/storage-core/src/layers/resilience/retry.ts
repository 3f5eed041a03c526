import { isStorageError } from '../../errors/index.js';

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
