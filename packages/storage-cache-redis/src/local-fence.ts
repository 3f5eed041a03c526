/**
 * Guards the in-process L1 against its own races: a value read from (or written to) Redis may only
 * enter L1 if its key was not invalidated, and L1 not flushed, since the operation started.
 * Remembers the last change of at most `maxKeys` keys; forgetting one counts as a flush, so a
 * forgotten change can never let an older value in.
 */
export class LocalFence {
  #seq = 0;
  #flushedAt = 0;
  readonly #changedAt = new Map<string, number>();

  constructor(private readonly maxKeys = 10_000) {}

  /** A token to pass to `unchanged` once the operation is done. */
  start(): number {
    return this.#seq;
  }

  /** `key` changed now. */
  changed(key: string): void {
    this.#seq += 1;
    this.#changedAt.delete(key);
    this.#changedAt.set(key, this.#seq);
    if (this.#changedAt.size > this.maxKeys) {
      this.#changedAt.delete(this.#changedAt.keys().next().value!);
      this.#flushedAt = this.#seq;
    }
  }

  /** Everything may have changed (L1 flushed). */
  flushAll(): void {
    this.#seq += 1;
    this.#flushedAt = this.#seq;
    this.#changedAt.clear();
  }

  /** True when neither `key` nor everything changed since `start` was taken. */
  unchanged(key: string, start: number): boolean {
    return this.#flushedAt <= start && (this.#changedAt.get(key) ?? 0) <= start;
  }
}
