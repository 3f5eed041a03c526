const BUCKETS = 10;

/**
 * Counts requests and retries over a sliding window (ten buckets) and allows a retry only while
 * retries ≤ `share` × requests + `minPerWindow`, so an outage cannot multiply the load on a backend.
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
    private readonly now: () => number,
  ) {
    this.#bucketMs = Math.max(1, Math.floor(windowMs / BUCKETS));
    this.#bucketStart = now();
  }

  /** Counts one caller request (not its retries). */
  recordRequest(): void {
    this.#rotate();
    this.#requests[this.#current]! += 1;
  }

  /** Takes one retry from the budget; false when the budget is spent. */
  tryRetry(): boolean {
    this.#rotate();
    const requests = sum(this.#requests);
    const retries = sum(this.#retries);
    if (retries + 1 > this.share * requests + this.minPerWindow) return false;
    this.#retries[this.#current]! += 1;
    return true;
  }

  #rotate(): void {
    const elapsed = Math.floor((this.now() - this.#bucketStart) / this.#bucketMs);
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
