import type { OutgoingMessage, PublishReceipt, StreamMessage } from '../spi/index.js';
import type { Group } from './stream-group.js';

/** A message as a memory stream keeps it. `seq` is its position; the id is `<seq>-0`. */
export interface LogEntry {
  readonly seq: number;
  readonly id: string;
  readonly key?: string;
  readonly payload: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly publishedAt: number;
}

/** A publish waiting for room. */
export interface PublishWaiter {
  readonly messages: readonly OutgoingMessage[];
  readonly resolve: (receipts: PublishReceipt[]) => void;
  readonly reject: (error: unknown) => void;
}

/** The id of the message at `seq`. */
export function formatId(seq: number): string {
  return `${String(seq)}-0`;
}

/** The position an id names, or `undefined` when it is not an id of this store. */
export function parseId(id: string): number | undefined {
  const match = /^(\d{1,15})-0$/.exec(id);
  return match === null ? undefined : Number(match[1]);
}

/** A fresh copy of `entry` for one delivery: handlers may mutate what they get. */
export function toMessage(namespace: string, entry: LogEntry, deliveryCount: number): StreamMessage {
  return {
    id: entry.id,
    namespace,
    ...(entry.key === undefined ? {} : { key: entry.key }),
    payload: new Uint8Array(entry.payload),
    headers: { ...entry.headers },
    publishedAt: new Date(entry.publishedAt),
    deliveryCount,
  };
}

/**
 * One namespace's append-only log, bounded by `maxLength`. Room is made by trimming from the head
 * what no group still needs (everything, when no group exists); publishers that do not fit wait in
 * FIFO order.
 */
export class StreamLog {
  readonly namespace: string;
  readonly groups = new Map<string, Group>();
  readonly waiters: PublishWaiter[] = [];
  dispatchScheduled = false;
  readonly #entries: LogEntry[] = [];
  readonly #maxLength: number;
  #head = 0;
  #nextSeq = 1;

  constructor(namespace: string, maxLength: number) {
    this.namespace = namespace;
    this.#maxLength = maxLength;
  }

  /** The oldest retained position (equals `lastSeq + 1` when the log is empty). */
  get firstSeq(): number {
    return this.#entries[this.#head]?.seq ?? this.#nextSeq;
  }

  get lastSeq(): number {
    return this.#nextSeq - 1;
  }

  get length(): number {
    return this.#entries.length - this.#head;
  }

  entry(seq: number): LogEntry | undefined {
    return this.#entries[this.#head + seq - this.firstSeq];
  }

  /** The first retained entry published at or after `time`. */
  firstAtOrAfter(time: number): LogEntry | undefined {
    for (let index = this.#head; index < this.#entries.length; index += 1) {
      const entry = this.#entries[index] as LogEntry;
      if (entry.publishedAt >= time) return entry;
    }
    return undefined;
  }

  /** Appends `messages` if they fit (after trimming what nobody needs); `undefined` when they do not. */
  tryAppend(messages: readonly OutgoingMessage[], now: number): PublishReceipt[] | undefined {
    this.#trim(messages.length);
    if (this.length + messages.length > this.#maxLength) return undefined;
    return messages.map((message) => {
      const seq = this.#nextSeq++;
      const entry: LogEntry = {
        seq,
        id: formatId(seq),
        ...(message.key === undefined ? {} : { key: message.key }),
        payload: new Uint8Array(message.payload),
        headers: { ...(message.headers ?? {}) },
        publishedAt: now,
      };
      this.#entries.push(entry);
      return { id: entry.id };
    });
  }

  /** Lets waiting publishers in, oldest first, as long as they fit. */
  drainWaiters(now: number): void {
    for (let waiter = this.waiters[0]; waiter !== undefined; waiter = this.waiters[0]) {
      const receipts = this.tryAppend(waiter.messages, now);
      if (receipts === undefined) return;
      this.waiters.shift();
      waiter.resolve(receipts);
    }
  }

  #trim(incoming: number): void {
    let floor = Number.POSITIVE_INFINITY;
    for (const group of this.groups.values()) floor = Math.min(floor, group.floor());
    while (this.length + incoming > this.#maxLength) {
      const oldest = this.#entries[this.#head];
      if (oldest === undefined || oldest.seq >= floor) break;
      this.#head += 1;
    }
    // Compact now and then so trimmed entries do not pin memory.
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
