/**
 * At most `count` parts of an upload alive at once (the one being filled and those in flight), so
 * an upload holds at most `partSize × count` bytes of body however large the object is. `acquire`
 * waits for a release.
 */
export class PartSlots {
  readonly #waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  #free: number;
  #failure: { error: unknown } | undefined;

  constructor(count: number) {
    this.#free = count;
  }

  /** A slot for the caller until `release`. Rejects once failed. */
  acquire(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure.error);
    if (this.#free > 0) {
      this.#free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Gives a slot back; a waiting `acquire` gets it at once. */
  release(): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve();
    else this.#free += 1;
  }

  /** Rejects every pending and future `acquire` with `error`. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#failure.error);
  }
}
