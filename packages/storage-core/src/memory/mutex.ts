/** A FIFO async lock. Ownership passes straight to the next waiter, so `locked` never flickers. */
export class Mutex {
  #locked = false;
  readonly #waiters: Array<() => void> = [];
  readonly #idle: Array<() => void> = [];

  get locked(): boolean {
    return this.#locked;
  }

  /** Runs `work` alone; the next waiter starts when it settles. */
  async runExclusive<T>(work: () => Promise<T>): Promise<T> {
    await this.#acquire();
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  /** Resolves once nobody holds the lock (check `locked` again after awaiting). */
  whenUnlocked(): Promise<void> {
    if (!this.#locked) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #acquire(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #release(): void {
    const next = this.#waiters.shift();
    if (next !== undefined) {
      next();
      return;
    }
    this.#locked = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
