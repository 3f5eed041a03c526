/** One pending deadline. */
export interface Deadline {
  readonly at: number;
  /** Cleared when the call settles first; the queue then skips it. */
  expire: (() => void) | undefined;
}

/**
 * Deadlines of calls that share one timeout, so they expire in the order they were added: a FIFO
 * and one timer for all of them instead of a timer per call (which would cost more than a fast
 * backend's whole round trip). Settled calls are skipped lazily when they reach the head.
 */
export class DeadlineQueue {
  #entries: Deadline[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly timeoutMs: number) {}

  /** Calls `expire` after the timeout unless the returned entry's `expire` is cleared first. */
  add(expire: () => void): Deadline {
    const entry: Deadline = { at: performance.now() + this.timeoutMs, expire };
    this.#entries.push(entry);
    if (this.#timer === undefined) this.#schedule(this.timeoutMs);
    return entry;
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, Math.ceil(ms)));
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    const now = performance.now();
    while (this.#head < this.#entries.length) {
      const entry = this.#entries[this.#head]!;
      if (entry.expire !== undefined && entry.at > now) break;
      this.#head += 1;
      const expire = entry.expire;
      entry.expire = undefined;
      expire?.();
    }
    if (this.#head === this.#entries.length) {
      this.#entries = [];
      this.#head = 0;
      return;
    }
    if (this.#head > 1024) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    this.#schedule(this.#entries[this.#head]!.at - now);
  }
}
