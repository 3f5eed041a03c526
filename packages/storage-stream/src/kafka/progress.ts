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

/**
 * The offset commits of one partition, across its batches: one commit at a time, in order, and
 * requests that arrive while one waits its turn share it (it commits the newest offset asked for).
 * A batch need not wait for its commit: the next fetch of the partition can go out meanwhile.
 */
export class PartitionCommits {
  readonly #commit: (offset: string) => Promise<boolean>;
  #wanted: string | undefined;
  #committed: string | undefined;
  #queued = false;
  #chain: Promise<void> = Promise.resolve();
  /** When the last commit started (Date.now()): throttles the commits made while a batch runs. */
  lastStarted = Date.now();

  /** `commit` writes one offset and says whether it was committed (it reports its own failures). */
  constructor(commit: (offset: string) => Promise<boolean>) {
    this.#commit = commit;
  }

  /** Commits `offset` (one past the finished prefix) after the commits before it; resolves once it was tried. */
  request(offset: string): Promise<void> {
    this.#wanted = offset;
    if (!this.#queued) {
      this.#queued = true;
      this.#chain = this.#chain.then(async () => {
        this.#queued = false;
        const next = this.#wanted;
        if (next === undefined || next === this.#committed) return;
        this.lastStarted = Date.now();
        if (await this.#commit(next)) this.#committed = next;
      });
    }
    return this.#chain;
  }

  /** Resolves once every commit asked for so far was tried. */
  settled(): Promise<void> {
    return this.#chain;
  }
}
