import { randomUUID } from 'node:crypto';
import { DEAD_LETTER, deadLetterNamespace } from '../spi/stream-store.js';
import type {
  AdapterFactory,
  OutgoingMessage,
  PublishReceipt,
  StreamCapabilities,
  StreamPublishRequest,
  StreamStore,
  SubscribeRequest,
  Subscription,
} from '../spi/index.js';
import { MEMORY_ADAPTER, memoryError, throwIfAborted } from './errors.js';
import { memoryStreamOptionsSchema, type MemoryStreamStoreOptions } from './options.js';
import { StreamConsumer, type ConsumerHooks } from './stream-consumer.js';
import { Group, type PendingEntry } from './stream-group.js';
import { StreamLog, type PublishWaiter } from './stream-log.js';
import { startCursor, validateSubscribe } from './stream-start.js';

export type { MemoryStreamStoreOptions } from './options.js';

const MAX_ERROR_HEADER = 1024;
// When the dead-letter stream is full, the message waits this long before it is tried again, so a
// poison message cannot spin.
const DEAD_LETTER_RETRY_MS = 250;

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > MAX_ERROR_HEADER ? text.slice(0, MAX_ERROR_HEADER) : text;
}

class MemoryStreamStore implements StreamStore {
  readonly kind = 'stream' as const;
  readonly name = MEMORY_ADAPTER;
  readonly capabilities: StreamCapabilities;
  readonly #logs = new Map<string, StreamLog>();
  readonly #consumers = new Set<StreamConsumer>();
  readonly #retries = new Set<NodeJS.Timeout>();
  // Handed to consumers; kept off the store's own surface.
  readonly #hooks: ConsumerHooks = {
    changed: (log) => this.#changed(log),
    deadLetter: (log, group, entry, error, consumer) => this.#deadLetter(log, group, entry, error, consumer),
  };
  readonly #maxLength: number;
  readonly #publishTimeoutMs: number;
  readonly #closeTimeoutMs: number;
  readonly #now: () => number;
  #closed = false;

  constructor(options: MemoryStreamStoreOptions) {
    this.capabilities = Object.freeze({
      replayFromId: options.capabilities?.replayFromId ?? true,
      replayFromTime: options.capabilities?.replayFromTime ?? true,
      ordering: 'total' as const,
    });
    this.#maxLength = options.maxLength ?? 100_000;
    this.#publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    this.#now = options.now ?? Date.now;
  }

  async publish(request: StreamPublishRequest): Promise<PublishReceipt[]> {
    const { namespace, messages } = request;
    throwIfAborted(request.signal, 'streams.publish', namespace);
    this.#assertOpen('streams.publish', namespace);
    this.#validateMessages(namespace, messages);
    if (messages.length === 0) return [];
    const log = this.#log(namespace);
    const receipts = log.waiters.length === 0 ? log.tryAppend(messages, this.#now()) : undefined;
    if (receipts !== undefined) {
      this.#schedule(log);
      return receipts;
    }
    return this.#waitForRoom(log, request);
  }

  async subscribe(request: SubscribeRequest): Promise<Subscription> {
    const { namespace } = request;
    throwIfAborted(request.signal, 'streams.subscribe', namespace);
    this.#assertOpen('streams.subscribe', namespace);
    validateSubscribe(request);
    const log = this.#log(namespace);
    let group = log.groups.get(request.group);
    if (group === undefined) {
      group = new Group(request.group, startCursor(request.from, log, this.capabilities, namespace));
      log.groups.set(request.group, group);
    }
    const name = request.consumer ?? `consumer-${randomUUID()}`;
    if (group.consumers.some((consumer) => consumer.name === name)) {
      throw memoryError('ALREADY_EXISTS', `consumer ${name} is already active in group ${request.group}`, 'streams.subscribe', namespace);
    }
    const consumer = new StreamConsumer(name, request, log, group, this.#hooks);
    group.consumers.push(consumer);
    this.#consumers.add(consumer);
    this.#schedule(log);
    return {
      group: request.group,
      consumer: name,
      close: async (options) => {
        await consumer.close(options?.timeoutMs ?? this.#closeTimeoutMs);
        this.#consumers.delete(consumer);
      },
    };
  }

  /** Closes every consumer at once (their in-flight messages go back to pending) and fails waiting publishers. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const retry of this.#retries) clearTimeout(retry);
    this.#retries.clear();
    await Promise.all([...this.#consumers].map((consumer) => consumer.close(0)));
    this.#consumers.clear();
    for (const log of this.#logs.values()) {
      for (const waiter of log.waiters.splice(0)) {
        waiter.reject(memoryError('UNAVAILABLE', 'the store was closed', 'streams.publish', log.namespace));
      }
    }
  }

  #changed(log: StreamLog): void {
    log.drainWaiters(this.#now());
    this.#schedule(log);
  }

  #deadLetter(log: StreamLog, group: Group, entry: PendingEntry, error: unknown, consumer: StreamConsumer): void {
    const original = log.entry(entry.seq);
    if (original === undefined) return group.ack(entry.seq);
    const target = this.#log(deadLetterNamespace(log.namespace));
    const message: OutgoingMessage = {
      ...(original.key === undefined ? {} : { key: original.key }),
      payload: original.payload,
      headers: {
        ...original.headers,
        [DEAD_LETTER.errorHeader]: describe(error),
        [DEAD_LETTER.attemptsHeader]: String(entry.deliveries),
        [DEAD_LETTER.originalIdHeader]: original.id,
      },
    };
    const receipts = target.waiters.length === 0 ? target.tryAppend([message], this.#now()) : undefined;
    if (receipts === undefined) {
      // The dead-letter stream is full: keep the message pending rather than lose it, and retry later.
      const retry = setTimeout(() => {
        this.#retries.delete(retry);
        group.release(entry);
        this.#changed(log);
      }, DEAD_LETTER_RETRY_MS);
      retry.unref();
      this.#retries.add(retry);
      const failure = memoryError('BACKPRESSURE', 'the dead-letter stream is full', 'streams.deadLetter', log.namespace);
      try {
        consumer.request.onError?.(failure);
      } catch {
        // onError must never break delivery.
      }
      return;
    }
    group.ack(entry.seq);
    this.#schedule(target);
  }

  #waitForRoom(log: StreamLog, request: StreamPublishRequest): Promise<PublishReceipt[]> {
    const timeoutMs = request.timeoutMs ?? this.#publishTimeoutMs;
    const backpressure = () =>
      memoryError('BACKPRESSURE', `no room in the stream within ${String(timeoutMs)} ms`, 'streams.publish', request.namespace, {
        details: { timeoutMs },
      });
    if (timeoutMs <= 0) return Promise.reject(backpressure());
    return new Promise((resolve, reject) => {
      const settle = (outcome: () => void) => {
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const leave = (error: unknown) => {
        const index = log.waiters.indexOf(waiter);
        if (index >= 0) log.waiters.splice(index, 1);
        settle(() => reject(error));
        log.drainWaiters(this.#now());
      };
      const onAbort = () => {
        try {
          throwIfAborted(request.signal, 'streams.publish', request.namespace);
        } catch (error) {
          leave(error);
        }
      };
      const waiter: PublishWaiter = {
        messages: request.messages,
        resolve: (receipts) =>
          settle(() => {
            this.#schedule(log);
            resolve(receipts);
          }),
        reject: (error) => settle(() => reject(error)),
      };
      const timer = setTimeout(() => leave(backpressure()), timeoutMs);
      request.signal?.addEventListener('abort', onAbort, { once: true });
      log.waiters.push(waiter);
    });
  }

  #validateMessages(namespace: string, messages: readonly OutgoingMessage[]): void {
    const invalid = (message: string) => memoryError('INVALID_ARGUMENT', message, 'streams.publish', namespace);
    if (!Array.isArray(messages)) throw invalid('messages must be an array');
    if (messages.length > this.#maxLength) throw invalid(`a batch of ${String(messages.length)} can never fit a stream of ${String(this.#maxLength)}`);
    for (const message of messages) {
      if (!(message.payload instanceof Uint8Array)) throw invalid('payload must be a Uint8Array');
      for (const value of Object.values(message.headers ?? {})) {
        if (typeof value !== 'string') throw invalid('header values must be strings');
      }
    }
  }

  #schedule(log: StreamLog): void {
    if (log.dispatchScheduled || this.#closed) return;
    log.dispatchScheduled = true;
    // A macrotask, not a microtask: redelivery loops must leave room for timers and I/O.
    setImmediate(() => {
      log.dispatchScheduled = false;
      this.#dispatch(log);
    });
  }

  #dispatch(log: StreamLog): void {
    if (this.#closed) return;
    for (const group of log.groups.values()) {
      for (let consumer = group.nextConsumer(); consumer !== undefined; consumer = group.nextConsumer()) {
        const entry = group.next(log);
        if (entry === undefined) break;
        const logEntry = log.entry(entry.seq);
        if (logEntry === undefined) {
          group.ack(entry.seq);
          continue;
        }
        consumer.deliver(entry, logEntry);
      }
    }
  }

  #assertOpen(operation: string, namespace: string): void {
    if (this.#closed) throw memoryError('UNAVAILABLE', 'the store was closed', operation, namespace);
  }

  #log(namespace: string): StreamLog {
    let log = this.#logs.get(namespace);
    if (log === undefined) {
      log = new StreamLog(namespace, this.#maxLength);
      this.#logs.set(namespace, log);
    }
    return log;
  }
}

/**
 * Creates an in-memory stream store: the reference semantics of the stream SPI. Each namespace is an
 * append-only log with ids `<seq>-0`; groups keep durable cursors and pending lists inside the store
 * instance; delivery is at-least-once with ack on resolve, redelivery on throw or ack timeout,
 * dead-lettering after `maxDeliveries`, and publish is bounded by `maxLength` (BACKPRESSURE).
 */
export function createMemoryStreamStore(options: MemoryStreamStoreOptions = {}): StreamStore {
  return new MemoryStreamStore(options);
}

/** Factory for `use: 'memory'` stream adapters. */
export function memoryStreams(): AdapterFactory<StreamStore, MemoryStreamStoreOptions> {
  return {
    kind: 'stream',
    name: MEMORY_ADAPTER,
    optionsSchema: memoryStreamOptionsSchema,
    create: (options) => createMemoryStreamStore(options),
  };
}
