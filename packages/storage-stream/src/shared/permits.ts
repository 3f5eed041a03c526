/** A request waiting for permits. */
interface Waiter {
  readonly count: number;
  readonly grant: () => void;
  readonly deny: () => void;
}

/**
 * A FIFO pool of permits: the local bound on messages a store has handed to its driver and not yet
 * seen confirmed. `acquire` waits in line until its permits are free or its deadline passes; it never
 * queues more than the pool holds, so memory stays bounded by `capacity` plus the waiters' requests.
 */
export class Permits {
  readonly capacity: number;
  #available: number;
  readonly #waiters: Waiter[] = [];
  #closed = false;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#available = capacity;
  }

  /** Permits not taken right now. */
  get available(): number {
    return this.#available;
  }

  /** Takes `count` permits at once if they are free and nobody waits; never waits. */
  tryAcquire(count: number): boolean {
    if (this.#closed || this.#waiters.length > 0 || this.#available < count) return false;
    this.#available -= count;
    return true;
  }

  /**
   * Takes `count` permits (at most `capacity`), waiting up to `timeoutMs` in FIFO order. Resolves
   * `true` when taken, `false` when the deadline passed or `signal` fired first.
   */
  acquire(count: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#waiters.length === 0 && this.#available >= count) {
      this.#available -= count;
      return Promise.resolve(true);
    }
    if (timeoutMs <= 0 || signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (taken: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(taken);
      };
      const leave = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        done(false);
        // A large request leaving the head of the line may let smaller ones behind it in.
        this.#drain();
      };
      const onAbort = () => leave();
      const waiter: Waiter = { count, grant: () => done(true), deny: () => done(false) };
      const timer = setTimeout(leave, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Gives `count` permits back and lets waiters in, oldest first. */
  release(count: number): void {
    this.#available = Math.min(this.capacity, this.#available + count);
    this.#drain();
  }

  /** Turns every waiter away and refuses later requests (the store is closing). */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.deny();
  }

  /** True after {@link close}. */
  get closed(): boolean {
    return this.#closed;
  }

  #drain(): void {
    for (let waiter = this.#waiters[0]; waiter !== undefined && waiter.count <= this.#available; waiter = this.#waiters[0]) {
      this.#waiters.shift();
      this.#available -= waiter.count;
      waiter.grant();
    }
  }
}
