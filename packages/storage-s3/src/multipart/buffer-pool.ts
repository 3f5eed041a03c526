/**
 * At most `count` buffers of `size` bytes, allocated on first need and reused, so an upload holds
 * at most `size × count` bytes of body however large the object is. `acquire` waits for a release.
 */
export class BufferPool {
  readonly #size: number;
  readonly #count: number;
  readonly #free: Buffer[] = [];
  readonly #waiters: Array<{ resolve: (buffer: Buffer) => void; reject: (error: unknown) => void }> = [];
  #allocated = 0;
  #failure: { error: unknown } | undefined;

  constructor(size: number, count: number) {
    this.#size = size;
    this.#count = count;
  }

  /** A buffer for the caller's exclusive use until `release`. Rejects once the pool was failed. */
  acquire(): Promise<Buffer> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure.error);
    const free = this.#free.pop();
    if (free !== undefined) return Promise.resolve(free);
    if (this.#allocated < this.#count) {
      this.#allocated += 1;
      return Promise.resolve(Buffer.allocUnsafe(this.#size));
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Gives a buffer back; a waiting `acquire` gets it at once. */
  release(buffer: Buffer): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve(buffer);
    else this.#free.push(buffer);
  }

  /** Rejects every pending and future `acquire` with `error` and drops the free buffers. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    this.#free.length = 0;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#failure.error);
  }
}
