/**
 * The outbox SPI (ADR-022): what a record adapter implements so that a message published inside a
 * record transaction commits or rolls back with that transaction, and a relay can deliver it later.
 */

/** One message written to the outbox inside a record transaction. */
export interface OutboxEnqueueRequest {
  /** The stream namespace the relay publishes it to. */
  readonly stream: string;
  /** Ordering key: messages of one (stream, key) are published in outbox id order. */
  readonly key?: string;
  /** The payload as JSON text (core serialized and checked it). */
  readonly payload: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The outbox id of an enqueued message: a decimal string, growing with every enqueue. */
export interface OutboxReceipt {
  readonly id: string;
}

/** A row handed to the relay. */
export interface OutboxRow {
  readonly id: string;
  readonly stream: string;
  readonly key?: string;
  readonly payload: string;
  readonly headers: Readonly<Record<string, string>>;
  /** When the enqueueing transaction wrote it (its start time on PostgreSQL). */
  readonly createdAt: Date;
  /** Failed publish attempts so far. */
  readonly attempts: number;
}

/** What the relay did with a claimed batch. Rows in neither list stay pending, unchanged. */
export interface OutboxBatchOutcome {
  /** Published: mark sent. */
  readonly sent: readonly string[];
  /** Failed: count the attempt and keep the error; `dead` rows are never claimed again. */
  readonly failed: ReadonlyArray<{ readonly id: string; readonly error: string; readonly dead: boolean }>;
}

export interface OutboxClaimRequest {
  /** At most this many rows per batch. */
  readonly limit: number;
  readonly signal?: AbortSignal;
}

export interface OutboxStats {
  /** Rows not yet sent (dead ones excluded). */
  readonly pending: number;
  /** Rows given up on (dead-lettered). */
  readonly dead: number;
  /** Creation time of the oldest pending row; absent when none is pending. */
  readonly oldestPendingAt?: Date;
}

/**
 * The relay side of an outbox. `relayBatch` claims pending rows so that no other relay can take
 * them (PostgreSQL: `FOR UPDATE SKIP LOCKED` in a transaction held while `publish` runs), never
 * hands out a row while an older pending row of the same (stream, key) is held elsewhere (per-key
 * order across relays), and applies `publish`'s outcome atomically with the claim's release. A
 * relay that dies mid-batch releases its claim (the transaction aborts); the rows are published
 * again: delivery is at least once.
 */
export interface OutboxStore {
  /** Returns how many rows were claimed (0: nothing to do). */
  relayBatch(request: OutboxClaimRequest, publish: (rows: readonly OutboxRow[]) => Promise<OutboxBatchOutcome>): Promise<number>;
  stats(): Promise<OutboxStats>;
  /** Deletes sent rows older than `sentBefore`, at most `limit` per call; returns how many. */
  purgeSent(request: { readonly sentBefore: Date; readonly limit: number }): Promise<number>;
  /**
   * Optional: calls `onCommit` soon after a transaction that wrote outbox rows commits (PostgreSQL:
   * LISTEN/NOTIFY), so a relay need not poll to notice new rows. Wake-ups are hints: one may cover
   * many commits and one may be lost (a dropped listening connection), so relays keep a slow poll.
   * Resolves once listening; `close()` stops it.
   */
  watch?(onCommit: () => void): Promise<OutboxWatch>;
}

/** A running {@link OutboxStore.watch}. */
export interface OutboxWatch {
  close(): Promise<void>;
}

/** The transaction operation that writes an outbox row; present on adapters with the `outbox` capability. */
export interface OutboxOperations {
  enqueueOutbox(request: OutboxEnqueueRequest): Promise<OutboxReceipt>;
}
