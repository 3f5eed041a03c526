import type { StreamConsumer } from './stream-consumer.js';
import type { StreamLog } from './stream-log.js';

/** A message a group has handed out at least once and not acked yet. */
export interface PendingEntry {
  readonly seq: number;
  /** Deliveries so far; the next delivery's `deliveryCount` is this plus one. */
  deliveries: number;
  /** The consumer working on it, or `undefined` while it waits for redelivery. */
  owner: StreamConsumer | undefined;
}

/**
 * A consumer group: a durable cursor (the highest position handed out), the pending entries list and
 * the consumers sharing the work. It outlives its consumers, so a later subscribe resumes here.
 */
export class Group {
  readonly name: string;
  readonly consumers: StreamConsumer[] = [];
  readonly #pending = new Map<number, PendingEntry>();
  // Released positions awaiting redelivery, ascending; they go out before new messages.
  readonly #released: number[] = [];
  #cursor: number;
  #turn = 0;

  constructor(name: string, cursor: number) {
    this.name = name;
    this.#cursor = cursor;
  }

  /** The lowest position this group may still need; older entries can be trimmed. */
  floor(): number {
    // Pending entries are created in ascending order and only ever deleted, so the first is the lowest.
    const lowestPending = this.#pending.keys().next();
    return lowestPending.done === true ? this.#cursor + 1 : Math.min(lowestPending.value, this.#cursor + 1);
  }

  /** The next entry to deliver: a released one first, else the next new position of the log. */
  next(log: StreamLog): PendingEntry | undefined {
    const released = this.#released.shift();
    if (released !== undefined) return this.#pending.get(released);
    if (this.#cursor >= log.lastSeq) return undefined;
    this.#cursor = Math.max(this.#cursor + 1, log.firstSeq);
    const entry: PendingEntry = { seq: this.#cursor, deliveries: 0, owner: undefined };
    this.#pending.set(entry.seq, entry);
    return entry;
  }

  ack(seq: number): void {
    this.#pending.delete(seq);
  }

  /** Puts an entry back for redelivery to any consumer of the group. */
  release(entry: PendingEntry): void {
    entry.owner = undefined;
    let index = this.#released.length;
    while (index > 0 && (this.#released[index - 1] as number) > entry.seq) index -= 1;
    this.#released.splice(index, 0, entry.seq);
  }

  /** The next consumer with a free slot, taking turns so several consumers share the work. */
  nextConsumer(): StreamConsumer | undefined {
    for (let tried = 0; tried < this.consumers.length; tried += 1) {
      const consumer = this.consumers[(this.#turn + tried) % this.consumers.length] as StreamConsumer;
      if (consumer.hasCapacity()) {
        this.#turn = (this.#turn + tried + 1) % this.consumers.length;
        return consumer;
      }
    }
    return undefined;
  }

  removeConsumer(consumer: StreamConsumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index >= 0) this.consumers.splice(index, 1);
  }
}
