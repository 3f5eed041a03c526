/** What this client last did to a key. */
export interface TrackedWrite {
  /** Version written; 0 for a delete. */
  readonly version: number;
  readonly etag: string | undefined;
  readonly at: number;
}

/**
 * Remembers this client's recent writes per key, bounded in count and age, for two jobs:
 * read-your-writes (a strong read older than our own write is retried) and fill fencing (a read
 * that started before a write must not put its older result into the cache afterwards).
 */
export class WriteTracker {
  readonly #writes = new Map<string, TrackedWrite>();
  readonly #generations = new Map<string, number>();
  #generation = 0;

  /**
   * @param fencing keep fill fences (a namespace with a cache); without a cache there are no fills
   *   to fence, so a write records only what read-your-writes needs.
   */
  constructor(
    private readonly maxEntries: number,
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly fencing = true,
  ) {}

  /** Records a write (or a delete, with version 0). */
  wrote(key: string, version: number, etag: string | undefined): void {
    this.#writes.delete(key);
    this.#writes.set(key, { version, etag, at: this.now() });
    if (this.#writes.size > this.maxEntries) this.#writes.delete(this.#writes.keys().next().value!);
    if (this.fencing) this.invalidated(key);
  }

  /** The write to read our own writes against, if recent enough to matter. */
  lastWrite(key: string): TrackedWrite | undefined {
    const write = this.#writes.get(key);
    if (write === undefined) return undefined;
    if (this.now() - write.at > this.windowMs) {
      this.#writes.delete(key);
      return undefined;
    }
    return write;
  }

  /** Marks a key changed (by us or, via fan-out, by another client): fences fills started before. */
  invalidated(key: string): void {
    this.#generation += 1;
    this.#generations.delete(key);
    this.#generations.set(key, this.#generation);
    if (this.#generations.size > this.maxEntries) this.#generations.delete(this.#generations.keys().next().value!);
  }

  /** A token taken before a store read; `stillCurrent` says whether the key changed since. */
  fence(key: string): number {
    return this.#generations.get(key) ?? 0;
  }

  stillCurrent(key: string, token: number): boolean {
    // A key evicted from the bounded map reads as 0: treat that as changed unless nothing ever was.
    const now = this.#generations.get(key) ?? 0;
    return now === token && (token !== 0 || this.#generations.size < this.maxEntries);
  }
}

/** True when `seen` (a store or cache result) is older than our own tracked write. */
export function olderThanOwnWrite(seen: { readonly version: number } | undefined, write: TrackedWrite): boolean {
  if (write.version === 0) return false; // after our delete, absent or a re-created record are both fine
  return seen === undefined || seen.version < write.version;
}
