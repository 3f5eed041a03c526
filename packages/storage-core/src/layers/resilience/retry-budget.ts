const BUCKETS = 10;

/**
 * Counts requests and retries over a sliding window (ten buckets) and allows a retry only while
 * retries ≤ `share` × requests + `minPerWindow`, so an outage cannot multiply the load on a backend.
 * Times are those of `now` (by default `performance.now()`); a caller that already read the clock
 * for the call passes its reading, so the hot path reads the clock once per call, not once per step.
 */
export class RetryBudget {
  readonly #requests = new Array<number>(BUCKETS).fill(0);
  readonly #retries = new Array<number>(BUCKETS).fill(0);
  readonly #bucketMs: number;
  #bucketStart: number;
  #current = 0;

  constructor(
    private readonly share: number,
    private readonly minPerWindow: number,
    windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#bucketMs = Math.max(1, Math.floor(windowMs / BUCKETS));
    this.#bucketStart = now();
  }

  /** Counts one caller request (not its retries), made at `now`. */
  recordRequest(now: number = this.now()): void {
    this.#rotate(now);
    this.#requests[this.#current]! += 1;
  }

  /** Takes one retry from the budget; false when the budget is spent. */
  tryRetry(now: number = this.now()): boolean {
    this.#rotate(now);
    const requests = sum(this.#requests);
    const retries = sum(this.#retries);
    if (retries + 1 > this.share * requests + this.minPerWindow) return false;
    this.#retries[this.#current]! += 1;
    return true;
  }

  #rotate(now: number): void {
    const elapsed = Math.floor((now - this.#bucketStart) / this.#bucketMs);
    if (elapsed <= 0) return;
    for (let i = 0; i < Math.min(elapsed, BUCKETS); i++) {
      this.#current = (this.#current + 1) % BUCKETS;
      this.#requests[this.#current] = 0;
      this.#retries[this.#current] = 0;
    }
    this.#bucketStart += elapsed * this.#bucketMs;
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
