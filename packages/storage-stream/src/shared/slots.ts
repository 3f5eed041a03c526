/**
 * The `maxInFlight` bound of one consumer: a counter of messages taken and not yet finished, with
 * waiters woken one at a time as slots free up, and all at once (denied) when the consumer stops.
 */
export class Slots {
  readonly capacity: number;
  #used = 0;
  readonly #waiters: ((granted: boolean) => void)[] = [];
  #stopped = false;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get used(): number {
    return this.#used;
  }

  /** Takes a slot, waiting while all are used; `false` once stopped. */
  acquire(): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    if (this.#used < this.capacity) {
      this.#used += 1;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next !== undefined) next(true);
    else this.#used = Math.max(0, this.#used - 1);
  }

  /** Denies every waiter and every later request. */
  stop(): void {
    this.#stopped = true;
    for (const waiter of this.#waiters.splice(0)) waiter(false);
  }
}
