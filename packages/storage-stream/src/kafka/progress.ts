/**
 * Completion of one fetched batch of a partition. Messages finish in any order (handlers run
 * concurrently); only the contiguous prefix of finished messages may be committed, so a crash never
 * skips a message that was still running.
 */
export class BatchProgress {
  readonly #offsets: readonly string[];
  readonly #done: boolean[];
  #prefix = 0;

  constructor(offsets: readonly string[]) {
    this.#offsets = offsets;
    this.#done = offsets.map(() => false);
  }

  /** Marks the message at `index` finished; true when that moved the committable prefix. */
  complete(index: number): boolean {
    this.#done[index] = true;
    const before = this.#prefix;
    while (this.#prefix < this.#done.length && this.#done[this.#prefix] === true) this.#prefix += 1;
    return this.#prefix > before;
  }

  /** How many leading messages are finished. */
  get prefix(): number {
    return this.#prefix;
  }

  /** The offset of the last message of the finished prefix, if any. */
  get lastDone(): string | undefined {
    return this.#prefix === 0 ? undefined : this.#offsets[this.#prefix - 1];
  }

  /** The offset to commit: one past the finished prefix. */
  get commitOffset(): string | undefined {
    const last = this.lastDone;
    return last === undefined ? undefined : (BigInt(last) + 1n).toString();
  }
}
