import { abortedError as sharedAbortedError, type StorageError } from '@sanctum/storage-core/spi';

/** The error of an operation whose caller's signal fired: the shared SPI rule (TIMEOUT for a timeout reason, else UNAVAILABLE). */
export function abortedError(signal: AbortSignal, operation: string, namespace: string, adapter: string): StorageError {
  return sharedAbortedError(signal, { operation, namespace, adapter });
}

/** True once `signal` fired (a function, so checks after an `await` are not narrowed away). */
export function isAborted(signal: AbortSignal | undefined): signal is AbortSignal {
  return signal?.aborted === true;
}

/** Resolves after `ms`, or at once when `signal` fires. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Exponential backoff with full jitter: 0..min(cap, base·2^attempt) ms. */
export function backoffMs(attempt: number, baseMs = 50, capMs = 2_000, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** Math.min(attempt, 16)));
}
