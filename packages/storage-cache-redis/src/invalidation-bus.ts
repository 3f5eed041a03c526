import { randomUUID } from 'node:crypto';
import type { CacheClient } from './connection.js';
import { decodeInvalidation, encodeInvalidation } from './codec.js';

/** What the bus tells the cache. */
export interface BusEvents {
  /** Another process changed these keys. */
  readonly onRemote: (keys: readonly string[]) => void;
  /** The subscription was lost: invalidations may be missed from now on until `onResumed`. */
  readonly onLost: () => void;
  /** The subscription is back (resubscribed): anything kept locally may have missed invalidations. */
  readonly onResumed: () => void;
}

/**
 * Invalidation fan-out over one Redis pub/sub channel (ADR-010). Each message carries the sender's
 * id, so a process ignores its own (it has purged locally already). The subscriber runs on its own
 * connection; node-redis resubscribes before it reports `ready` again, so `onResumed` comes after
 * the subscription is live.
 */
export class InvalidationBus {
  readonly origin: string = randomUUID();
  #connected = false;

  constructor(
    private readonly channel: string,
    private readonly events: BusEvents,
  ) {}

  /** True while the subscription is live: only then can local copies be trusted. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Subscribes `subscriber` (connected) and follows its connection state. */
  async attach(subscriber: CacheClient): Promise<void> {
    // An error that left the socket up (e.g. a failed PING reply) loses nothing.
    subscriber.on('error', () => {
      if (!subscriber.isReady) this.#lost();
    });
    subscriber.on('end', () => this.#lost());
    subscriber.on('reconnecting', () => this.#lost());
    subscriber.on('ready', () => {
      this.#connected = true;
      this.events.onResumed();
    });
    await subscriber.subscribe(this.channel, (message: Buffer) => this.#receive(message), true);
    this.#connected = true;
  }

  /** Publishes `keys` to every other instance on the channel. */
  async publish(publisher: CacheClient, keys: readonly string[]): Promise<void> {
    await publisher.publish(this.channel, encodeInvalidation(this.origin, keys));
  }

  #lost(): void {
    if (!this.#connected) return;
    this.#connected = false;
    this.events.onLost();
  }

  #receive(message: Buffer): void {
    const decoded = decodeInvalidation(message);
    if (decoded === undefined || decoded.origin === this.origin || decoded.keys.length === 0) return;
    this.events.onRemote(decoded.keys);
  }
}
