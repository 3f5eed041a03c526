import type { Logger } from '@sanctum/storage-core/spi';

/** Timing of the background retries; the defaults suit a link that comes back within minutes. */
export interface LeftoverTiming {
  /** Delay before the first retry. */
  readonly firstDelayMs: number;
  /** Cap of the doubling delay between retries. */
  readonly maxDelayMs: number;
  /** After this long a cleanup is given up and left to `sweepIncompleteUploads`. */
  readonly giveUpAfterMs: number;
  /** How long `close()` spends on a last attempt at what is still pending. */
  readonly closeAttemptMs: number;
}

export const DEFAULT_LEFTOVER_TIMING: LeftoverTiming = { firstDelayMs: 500, maxDelayMs: 10_000, giveUpAfterMs: 10 * 60_000, closeAttemptMs: 2_000 };

interface Pending {
  readonly run: () => Promise<void>;
  readonly since: number;
  attempt: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Cleanup that could not reach the server when it was due — aborting the multipart upload of a
 * failed put, deleting its staging object — because the link or the server was down. Each is
 * retried in the background with a doubling delay until it succeeds, the store closes (one last
 * attempt, bounded), or `giveUpAfterMs` passes; what is given up is logged and left to
 * `sweepIncompleteUploads`. Timers are unref'd: pending cleanup never keeps a process alive.
 */
export class Leftovers {
  readonly #pending = new Map<string, Pending>();
  readonly #logger: Logger;
  readonly #timing: LeftoverTiming;
  #closed = false;

  constructor(logger: Logger, timing: LeftoverTiming = DEFAULT_LEFTOVER_TIMING) {
    this.#logger = logger;
    this.#timing = timing;
  }

  /** Cleanups still waiting to reach the server. */
  get size(): number {
    return this.#pending.size;
  }

  /** Retries `run` (idempotent: a second success is harmless) under `id` until it succeeds. */
  add(id: string, run: () => Promise<void>): void {
    if (this.#closed || this.#pending.has(id)) return;
    const pending: Pending = { run, since: Date.now(), attempt: 0, timer: undefined };
    this.#pending.set(id, pending);
    this.#logger.log({ event: 's3.cleanup_deferred', level: 'warn', what: kindOf(id) });
    this.#schedule(id, pending);
  }

  /** Stops the retries after one last attempt at each pending cleanup, bounded by `closeAttemptMs`. */
  async close(): Promise<void> {
    this.#closed = true;
    const pending = [...this.#pending.entries()];
    for (const [, entry] of pending) clearTimeout(entry.timer);
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#timing.closeAttemptMs);
    });
    await Promise.race([Promise.allSettled(pending.map(([id, entry]) => this.#attempt(id, entry))), bound]);
    clearTimeout(timer);
    if (this.#pending.size > 0) this.#logger.log({ event: 's3.cleanup_abandoned', level: 'warn', count: this.#pending.size, reason: 'store closed' });
    this.#pending.clear();
  }

  #schedule(id: string, entry: Pending): void {
    const delay = Math.min(this.#timing.maxDelayMs, this.#timing.firstDelayMs * 2 ** entry.attempt);
    entry.timer = setTimeout(() => {
      void this.#attempt(id, entry).then((done) => {
        if (done || this.#closed || this.#pending.get(id) !== entry) return;
        if (Date.now() - entry.since >= this.#timing.giveUpAfterMs) {
          this.#pending.delete(id);
          this.#logger.log({ event: 's3.cleanup_abandoned', level: 'warn', count: 1, reason: 'gave up; sweepIncompleteUploads removes it' });
          return;
        }
        this.#schedule(id, entry);
      });
    }, delay);
    entry.timer.unref();
  }

  async #attempt(id: string, entry: Pending): Promise<boolean> {
    entry.attempt += 1;
    try {
      await entry.run();
    } catch {
      return false;
    }
    if (this.#pending.get(id) === entry) this.#pending.delete(id);
    this.#logger.log({ event: 's3.cleanup_done', level: 'info', what: kindOf(id), attempts: entry.attempt });
    return true;
  }
}

/** The kind of cleanup an id names (ids carry keys, which logs must not). */
function kindOf(id: string): string {
  return id.slice(0, id.indexOf(':'));
}
