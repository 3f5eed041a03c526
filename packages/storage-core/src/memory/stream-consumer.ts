import type { SubscribeRequest } from '../spi/index.js';
import { memoryError } from './errors.js';
import type { Group, PendingEntry } from './stream-group.js';
import { toMessage, type LogEntry, type StreamLog } from './stream-log.js';

/** What a consumer reports back to its store. */
export interface ConsumerHooks {
  /** Something changed (ack, release, consumer gone): drain publishers and dispatch again. */
  changed(log: StreamLog): void;
  /** The entry failed its last allowed delivery: dead-letter it (or release it if that fails). */
  deadLetter(log: StreamLog, group: Group, entry: PendingEntry, error: unknown, consumer: StreamConsumer): void;
}

interface Delivery {
  readonly entry: PendingEntry;
  timer?: NodeJS.Timeout;
}

/**
 * One subscriber in a group: runs the handler for at most `maxInFlight` messages at once, acks on
 * resolve, and on a throw or a missed `ackTimeoutMs` releases the message for redelivery (or hands
 * it to the dead-letter path after `maxDeliveries`).
 */
export class StreamConsumer {
  readonly name: string;
  readonly request: SubscribeRequest;
  readonly #log: StreamLog;
  readonly #group: Group;
  readonly #hooks: ConsumerHooks;
  readonly #inFlight = new Map<number, Delivery>();
  #closing: Promise<void> | undefined;
  #idle: (() => void) | undefined;

  constructor(name: string, request: SubscribeRequest, log: StreamLog, group: Group, hooks: ConsumerHooks) {
    this.name = name;
    this.request = request;
    this.#log = log;
    this.#group = group;
    this.#hooks = hooks;
  }

  hasCapacity(): boolean {
    return this.#closing === undefined && this.#inFlight.size < this.request.maxInFlight;
  }

  deliver(entry: PendingEntry, logEntry: LogEntry): void {
    entry.deliveries += 1;
    entry.owner = this;
    const delivery: Delivery = { entry };
    this.#inFlight.set(entry.seq, delivery);
    const message = toMessage(this.#log.namespace, logEntry, entry.deliveries);
    delivery.timer = setTimeout(() => {
      const error = memoryError('TIMEOUT', `handler did not finish within ${String(this.request.ackTimeoutMs)} ms`, 'streams.subscribe', this.#log.namespace);
      this.#settle(delivery, error);
    }, this.request.ackTimeoutMs);
    // A hung handler must not keep the process alive; the subscription is closed explicitly.
    delivery.timer.unref();
    Promise.resolve()
      .then(() => this.request.handler(message))
      .then(
        () => this.#settle(delivery, undefined),
        (error: unknown) => this.#settle(delivery, error ?? new Error('handler rejected')),
      );
  }

  /**
   * Stops taking messages, waits up to `timeoutMs` for the running handlers, then releases whatever
   * is still running for redelivery and leaves the group. Idempotent.
   */
  close(timeoutMs: number): Promise<void> {
    this.#closing ??= this.#shutDown(timeoutMs);
    return this.#closing;
  }

  async #shutDown(timeoutMs: number): Promise<void> {
    if (this.#inFlight.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.#idle = undefined;
    for (const delivery of this.#inFlight.values()) {
      clearTimeout(delivery.timer);
      this.#group.release(delivery.entry);
    }
    this.#inFlight.clear();
    this.#group.removeConsumer(this);
    this.#hooks.changed(this.#log);
  }

  // `error` undefined = the handler resolved. Late outcomes of released deliveries are ignored.
  #settle(delivery: Delivery, error: unknown): void {
    if (this.#inFlight.get(delivery.entry.seq) !== delivery) return;
    clearTimeout(delivery.timer);
    this.#inFlight.delete(delivery.entry.seq);
    const { entry } = delivery;
    if (error === undefined) {
      this.#group.ack(entry.seq);
    } else if (entry.deliveries >= this.request.maxDeliveries) {
      this.#hooks.deadLetter(this.#log, this.#group, entry, error, this);
    } else {
      this.#group.release(entry);
    }
    this.#hooks.changed(this.#log);
    if (this.#inFlight.size === 0) this.#idle?.();
  }
}
