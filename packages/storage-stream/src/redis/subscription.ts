import type { StreamMessage, SubscribeRequest, Subscription } from '@sanctum/storage-core/spi';
import { backoffMs, sleep } from '../shared/abort.js';
import { deadLetterHeaders } from '../shared/dead-letter.js';
import { runHandler } from '../shared/run-handler.js';
import { decodeEntry, encodeFields, toOutgoing } from './codec.js';
import type { RedisConnection } from './connection.js';
import { mapRedisError, redisError, replyKind } from './errors.js';
import type { ResolvedRedisOptions } from './options.js';
import { CLAIM_OWN, DEAD_LETTER, LEAVE, RECLAIM } from './scripts.js';

/** An entry as Redis returns it with Buffer replies: `[id, [field, value, …]]`. */
type RawEntry = [Buffer, Buffer[] | null];

/** What a subscription needs from its store. */
export interface RedisSubscriptionContext {
  /** Shared connection for acks, claims and scripts. */
  readonly main: RedisConnection;
  /** This subscription's own connection, for the blocking `XREADGROUP`. */
  readonly reader: RedisConnection;
  /** `CLIENT ID` of `reader`, for `CLIENT UNBLOCK` on close. */
  readonly readerId: number;
  readonly key: string;
  readonly deadLetterKey: string;
  readonly consumer: string;
  readonly request: SubscribeRequest;
  readonly options: ResolvedRedisOptions;
  /** Creates the group again when it vanished (the stream key was deleted). */
  readonly recreateGroup: () => Promise<void>;
  readonly onClosed: () => void;
}

/** One message this consumer holds unacked. */
interface Delivery {
  readonly id: string;
  message: StreamMessage;
  /** Set on close for deliveries still running: their outcome is ignored, the entry stays pending. */
  released: boolean;
}

/**
 * One consumer of a Redis consumer group. A single loop takes work while slots are free, in this
 * order: its own pending entries left by an earlier process of the same name (once, at start),
 * entries idle too long in other consumers (`XAUTOCLAIM`, every `reclaimIntervalMs`), then new
 * entries (`XREADGROUP … >`, at most the free slots). Handlers run concurrently; an entry is acked
 * (`XACK`, batched per tick) only after its handler resolved, and its slot frees when the ack is
 * confirmed. An `XACK` due while the loop is between commands (typically: every slot taken, the
 * last handler just resolved) is sent on the connection of the loop's next command, right before it:
 * one round trip for both, and Redis answers in order, so the slots are free before new entries
 * arrive. Otherwise (the loop waits on Redis, e.g. in a blocking read) it goes out on the shared
 * connection at once. A failure or missed `ackTimeoutMs` claims the entry again (`XCLAIM`, which
 * counts the delivery) and reruns it, until `maxDeliveries`; then it is dead-lettered atomically in Lua.
 */
export class RedisSubscription implements Subscription {
  readonly group: string;
  readonly consumer: string;
  readonly #context: RedisSubscriptionContext;
  readonly #request: SubscribeRequest;
  readonly #namespace: string;
  readonly #inFlight = new Map<string, Delivery>();
  readonly #stop = new AbortController();
  readonly #minIdleMs: number;
  #loop: Promise<void> = Promise.resolve();
  #slotFreed: (() => void) | undefined;
  #idle: (() => void) | undefined;
  /** Handlers that resolved, not yet acked. */
  #acks: Delivery[] = [];
  #ackTimer: NodeJS.Immediate | undefined;
  /** Acks handed to the loop, sent right before its next command on that command's connection. */
  #handed: Delivery[] = [];
  /** Deliveries in {@link #handed} or in an `XACK` not yet answered: their handlers are done. */
  #acking = 0;
  /** True while the loop waits on Redis (or on a back-off sleep), false between its commands. */
  #busy = false;
  readonly #ackFlights = new Set<Promise<void>>();
  #ownCursor: string | undefined = '-';
  #reclaimCursor = '0-0';
  #closing: Promise<void> | undefined;

  constructor(context: RedisSubscriptionContext) {
    this.#context = context;
    this.#request = context.request;
    this.#namespace = context.request.namespace;
    this.group = context.request.group;
    this.consumer = context.consumer;
    this.#minIdleMs = context.request.ackTimeoutMs + context.options.reclaimGraceMs;
  }

  /** Starts the read loop in the background. */
  start(): void {
    this.#loop = this.#run();
  }

  close(options?: { readonly timeoutMs?: number }): Promise<void> {
    this.#closing ??= this.#shutDown(options?.timeoutMs ?? this.#context.options.closeTimeoutMs);
    return this.#closing;
  }

  get #stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  async #run(): Promise<void> {
    let failures = 0;
    let nextReclaim = 0;
    while (!this.#stopping) {
      // Handed acks are answered before this step's reply: their slots count as free.
      const free = this.#request.maxInFlight - this.#inFlight.size + this.#handed.length;
      if (free <= 0) {
        await this.#slot();
        continue;
      }
      this.#busy = true;
      try {
        if (this.#ownCursor !== undefined) {
          await this.#claimOwn(this.#ownCursor, free);
        } else if (Date.now() >= nextReclaim) {
          const more = await this.#reclaim(free);
          nextReclaim = more ? 0 : Date.now() + this.#context.options.reclaimIntervalMs;
        } else {
          await this.#read(free, Math.max(1, Math.min(this.#context.options.blockMs, nextReclaim - Date.now())));
        }
        failures = 0;
      } catch (error) {
        if (this.#stopping) break;
        failures += 1;
        this.#report(mapRedisError(error, 'streams.consume', this.#namespace));
        if (replyKind(error) === 'NOGROUP') await this.#context.recreateGroup().catch(() => undefined);
        await sleep(50 + backoffMs(failures), this.#stop.signal);
      } finally {
        this.#busy = false;
      }
    }
  }

  /**
   * Sends the handed acks on `connection`; call right before the step's own command, in the same
   * tick, so both go out in one write and the `XACK` is answered first.
   */
  #sendHanded(connection: RedisConnection): Promise<void> | undefined {
    if (this.#handed.length === 0) return undefined;
    const batch = this.#handed;
    this.#handed = [];
    return this.#sendAcks(connection, batch);
  }

  /** Waits until a slot frees or the subscription stops. */
  #slot(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#slotFreed = undefined;
        this.#stop.signal.removeEventListener('abort', done);
        resolve();
      };
      this.#slotFreed = done;
      this.#stop.signal.addEventListener('abort', done, { once: true });
    });
  }

  async #read(count: number, blockMs: number): Promise<void> {
    const { reader, key } = this.#context;
    const acked = this.#sendHanded(reader);
    const reply = await reader.command<[[Buffer, RawEntry[]]] | null>(
      ['XREADGROUP', 'GROUP', this.group, this.consumer, 'COUNT', String(count), 'BLOCK', String(blockMs), 'STREAMS', key, '>'],
      { buffers: true },
    );
    // Answered before the read: this only lets its slots free before the new entries take them.
    if (acked !== undefined) await acked;
    const entries = reply?.[0]?.[1];
    if (entries === undefined) return;
    for (const entry of entries) this.#accept(entry, 1);
  }

  async #claimOwn(cursor: string, count: number): Promise<void> {
    const { main, key } = this.#context;
    const acked = this.#sendHanded(main);
    const [last, entries, counts] = await main.script<[Buffer, RawEntry[], number[]]>(
      CLAIM_OWN,
      [key],
      [this.group, this.consumer, cursor, String(count)],
      { buffers: true },
    );
    if (acked !== undefined) await acked;
    entries.forEach((entry, index) => this.#accept(entry, counts[index] ?? 1));
    const scanned = last.toString('latin1');
    this.#ownCursor = scanned === '' || entries.length < count ? undefined : scanned;
  }

  /** Takes entries other consumers left idle; true when there may be more right away. */
  async #reclaim(count: number): Promise<boolean> {
    const { main, key } = this.#context;
    const acked = this.#sendHanded(main);
    const [next, entries, counts] = await main.script<[Buffer, RawEntry[], number[]]>(
      RECLAIM,
      [key],
      [this.group, this.consumer, String(this.#minIdleMs), this.#reclaimCursor, String(count)],
      { buffers: true },
    );
    if (acked !== undefined) await acked;
    entries.forEach((entry, index) => this.#accept(entry, counts[index] ?? 1));
    this.#reclaimCursor = next.toString('latin1');
    return this.#reclaimCursor !== '0-0' || entries.length >= count;
  }

  #accept(entry: RawEntry, deliveryCount: number): void {
    const [rawId, fields] = entry;
    const id = rawId.toString('latin1');
    if (fields === null || this.#inFlight.has(id)) return;
    const message = decodeEntry(this.#namespace, id, fields, deliveryCount);
    const delivery: Delivery = { id, message, released: false };
    this.#inFlight.set(id, delivery);
    if (deliveryCount > this.#request.maxDeliveries) {
      // A consumer took it and stopped without acking, maxDeliveries times: never run it again.
      const error = redisError('TIMEOUT', `not acknowledged after ${String(deliveryCount - 1)} deliveries; the consumers holding it stopped`, 'streams.consume', this.#namespace);
      void this.#deadLetter(delivery, error, deliveryCount - 1);
      return;
    }
    void this.#handle(delivery);
  }

  async #handle(delivery: Delivery): Promise<void> {
    for (;;) {
      const message = delivery.message;
      const { error } = await runHandler(this.#request.handler, message, this.#request.ackTimeoutMs, () =>
        redisError('TIMEOUT', `handler did not finish within ${String(this.#request.ackTimeoutMs)} ms`, 'streams.consume', this.#namespace),
      );
      if (delivery.released) return;
      if (error === undefined) return this.#ack(delivery);
      if (message.deliveryCount >= this.#request.maxDeliveries) return this.#deadLetter(delivery, error, message.deliveryCount);
      // Closing: leave the entry pending; a live consumer reclaims it.
      if (this.#stopping) return this.#finish(delivery);
      const next = await this.#claimAgain(message);
      if (delivery.released) return;
      if (next === undefined) return this.#finish(delivery);
      delivery.message = next;
    }
  }

  /** `XCLAIM` to this consumer (counts the delivery, resets idle) and a fresh copy of the entry. */
  async #claimAgain(message: StreamMessage): Promise<StreamMessage | undefined> {
    const { main, key } = this.#context;
    try {
      const claimed = await main.command<RawEntry[]>(['XCLAIM', key, this.group, this.consumer, '0', message.id], { buffers: true });
      const fields = claimed[0]?.[1];
      // Gone (trimmed, deleted or acked elsewhere): nothing left to deliver.
      if (fields === undefined || fields === null) return undefined;
      return decodeEntry(this.#namespace, message.id, fields, message.deliveryCount + 1);
    } catch (error) {
      // Still pending: the reclaim loop delivers it again once it is idle long enough.
      this.#report(mapRedisError(error, 'streams.consume', this.#namespace));
      return undefined;
    }
  }

  async #deadLetter(delivery: Delivery, error: unknown, attempts: number): Promise<void> {
    const { main, key, deadLetterKey, options } = this.#context;
    const message = delivery.message;
    const headers = deadLetterHeaders(message.headers, error, attempts, message.id);
    try {
      await main.script(
        DEAD_LETTER,
        [key, deadLetterKey],
        [this.group, this.consumer, message.id, String(options.retention?.maxLength ?? 0), ...encodeFields(toOutgoing(message, headers))],
      );
    } catch (cause) {
      // Left pending: redelivered later past maxDeliveries, which dead-letters it without running it.
      this.#report(mapRedisError(cause, 'streams.deadLetter', this.#namespace));
    } finally {
      if (!delivery.released) this.#finish(delivery);
    }
  }

  #ack(delivery: Delivery): void {
    this.#acks.push(delivery);
    // Everything taken is done: ack now. Else wait a tick so handlers finishing together share one XACK.
    if (this.#acks.length + this.#acking === this.#inFlight.size) void this.#flushAcks();
    else this.#ackTimer ??= setImmediate(() => this.#flushAcks());
  }

  /**
   * One `XACK` for every handler that resolved since the last flush: handed to the loop when it is
   * between commands (it sends the `XACK` ahead of its next one), else sent on the shared connection.
   */
  #flushAcks(): Promise<void> {
    if (this.#ackTimer !== undefined) clearImmediate(this.#ackTimer);
    this.#ackTimer = undefined;
    const batch = this.#acks;
    if (batch.length === 0) return Promise.resolve();
    this.#acks = [];
    this.#acking += batch.length;
    if (!this.#busy && !this.#stopping) {
      for (const delivery of batch) this.#handed.push(delivery);
      // Parked for want of a slot: these slots are as good as free.
      this.#slotFreed?.();
      return Promise.resolve();
    }
    return this.#sendAcks(this.#context.main, batch);
  }

  /** Sends an `XACK` of `batch` (counted in {@link #acking}); each slot frees once it is answered. */
  #sendAcks(connection: RedisConnection, batch: Delivery[]): Promise<void> {
    const { key } = this.#context;
    const flight = connection
      .command(['XACK', key, this.group, ...batch.map((delivery) => delivery.id)])
      .then(
        () => undefined,
        // Unacked entries stay pending and come back through the reclaim loop: a duplicate, never a loss.
        (error: unknown) => this.#report(mapRedisError(error, 'streams.ack', this.#namespace)),
      )
      .finally(() => {
        this.#ackFlights.delete(flight);
        this.#acking -= batch.length;
        for (const delivery of batch) if (!delivery.released) this.#finish(delivery);
      });
    this.#ackFlights.add(flight);
    return flight;
  }

  /** The slot of a delivery is free again. */
  #finish(delivery: Delivery): void {
    this.#inFlight.delete(delivery.id);
    this.#slotFreed?.();
    if (this.#inFlight.size === 0) this.#idle?.();
  }

  async #shutDown(timeoutMs: number): Promise<void> {
    this.#stop.abort();
    await this.#interruptRead();
    // The loop stopped: acks handed to it and not sent yet go out on the shared connection.
    if (this.#handed.length > 0) void this.#sendAcks(this.#context.main, this.#handed.splice(0));
    if (this.#inFlight.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#idle = undefined;
    }
    // Handlers that finished are acked before we go; the rest stay pending for redelivery.
    await this.#flushAcks();
    await Promise.all(this.#ackFlights);
    for (const delivery of this.#inFlight.values()) delivery.released = true;
    this.#inFlight.clear();
    const { main, reader, key } = this.#context;
    await main.script(LEAVE, [key], [this.group, this.consumer]).catch(() => undefined);
    await reader.close();
    this.#context.onClosed();
  }

  /** Ends a blocking `XREADGROUP` at once (`CLIENT UNBLOCK`) and waits for the loop to stop. */
  async #interruptRead(): Promise<void> {
    let stopped = false;
    const loop = this.#loop.then(() => {
      stopped = true;
    });
    const { main, readerId } = this.#context;
    for (let attempt = 0; !stopped && attempt < 100; attempt += 1) {
      await main.command(['CLIENT', 'UNBLOCK', String(readerId)]).catch(() => undefined);
      await Promise.race([loop, sleep(20)]);
    }
    if (!stopped) this.#context.reader.destroy();
    await loop;
  }

  #report(error: unknown): void {
    try {
      this.#request.onError?.(error);
    } catch {
      // onError must never break delivery.
    }
  }
}
