import { randomUUID } from 'node:crypto';
import { deadLetterNamespace, type AdapterContext, type HealthReport, type PublishReceipt, type StreamCapabilities, type StreamPublishRequest, type StreamStore, type SubscribeRequest, type Subscription } from '@sanctum/storage-core/spi';
import { abortedError } from '../shared/abort.js';
import { defaultConsumerName } from '../shared/validate.js';
import { validateSubscribe } from '@sanctum/storage-core/spi';
import { createNodeRedisConnection, type RedisConnection } from './connection.js';
import { REDIS_ADAPTER, mapRedisError, redisError, replyKind } from './errors.js';
import { groupStartId } from './ids.js';
import { resolveRedisOptions, type RedisStreamStoreOptions, type ResolvedRedisOptions } from './options.js';
import { RedisPublisher } from './publisher.js';
import { RedisSubscription } from './subscription.js';

const SUBSCRIBE = 'streams.subscribe';
const MIN_VERSION = [6, 2] as const;

/** Test seams: where connections come from. */
export interface RedisStoreInternals {
  readonly connect?: (settings: Parameters<typeof createNodeRedisConnection>[0]) => RedisConnection;
}

function versionAtLeast(version: string, [major, minor]: readonly [number, number]): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

class RedisStreamStore implements StreamStore {
  readonly kind = 'stream' as const;
  readonly name = REDIS_ADAPTER;
  readonly capabilities: StreamCapabilities = Object.freeze({ replayFromId: true, replayFromTime: true, ordering: 'total' as const });
  readonly #options: ResolvedRedisOptions;
  readonly #main: RedisConnection;
  readonly #publisher: RedisPublisher;
  readonly #subscriptions = new Set<RedisSubscription>();
  /** `namespace \0 group \0 consumer` of the consumers running in this store. */
  readonly #active = new Set<string>();
  readonly #context: AdapterContext | undefined;
  #closed = false;

  constructor(options: ResolvedRedisOptions, context: AdapterContext | undefined, internals: RedisStoreInternals) {
    this.#options = options;
    this.#context = context;
    const connect = internals.connect ?? createNodeRedisConnection;
    this.#main = connect({
      url: options.url,
      clientName: options.clientName,
      socketTimeoutMs: options.socketTimeoutMs,
      onError: (error) => this.#log(error),
      // Publishes fail at once while Redis is unreachable instead of waiting in the driver's queue.
      offlineQueue: false,
    });
    this.#publisher = new RedisPublisher(this.#main, options);
  }

  async open(): Promise<void> {
    try {
      await this.#main.connect(this.#options.connectTimeoutMs);
    } catch (error) {
      this.#main.destroy();
      throw mapRedisError(error, 'open');
    }
    const info = await this.#main.command<string>(['INFO', 'server']).catch((error: unknown) => {
      throw mapRedisError(error, 'open');
    });
    const version = /redis_version:([\d.]+)/.exec(info)?.[1] ?? '0';
    if (!versionAtLeast(version, MIN_VERSION)) {
      await this.#main.close();
      throw redisError('UNSUPPORTED', `Redis ${version} lacks XAUTOCLAIM; the stream store needs Redis 6.2 or newer`, 'open', undefined, {
        details: { version },
      });
    }
  }

  publish(request: StreamPublishRequest): Promise<PublishReceipt[]> {
    if (this.#closed) return Promise.reject(redisError('UNAVAILABLE', 'the store was closed', 'streams.publish', request.namespace));
    return this.#publisher.publish(request, this.#key(request.namespace));
  }

  async subscribe(request: SubscribeRequest): Promise<Subscription> {
    const { namespace } = request;
    if (request.signal?.aborted === true) throw abortedError(request.signal, SUBSCRIBE, namespace, REDIS_ADAPTER);
    if (this.#closed) throw redisError('UNAVAILABLE', 'the store was closed', SUBSCRIBE, namespace);
    validateSubscribe(request, { operation: SUBSCRIBE, namespace, adapter: REDIS_ADAPTER });
    const start = groupStartId(request.from);
    if ('invalid' in start) throw redisError('INVALID_ARGUMENT', start.invalid, SUBSCRIBE, namespace);
    const consumer = request.consumer ?? defaultConsumerName(randomUUID());
    const slot = `${namespace}\u0000${request.group}\u0000${consumer}`;
    if (this.#active.has(slot)) {
      throw redisError('ALREADY_EXISTS', `consumer ${consumer} is already active in group ${request.group}`, SUBSCRIBE, namespace);
    }
    this.#active.add(slot);
    const key = this.#key(namespace);
    let reader: RedisConnection | undefined;
    try {
      await this.#createGroup(key, request.group, start.id);
      reader = this.#main.duplicate();
      await reader.connect(this.#options.connectTimeoutMs);
      const readerId = await reader.command<number>(['CLIENT', 'ID']);
      const subscription = new RedisSubscription({
        main: this.#main,
        reader,
        readerId,
        key,
        deadLetterKey: this.#key(deadLetterNamespace(namespace)),
        consumer,
        request,
        options: this.#options,
        // A group that vanished with its stream resumes from the start of what exists now.
        recreateGroup: () => this.#createGroup(key, request.group, '0'),
        onClosed: () => {
          this.#subscriptions.delete(subscription);
          this.#active.delete(slot);
        },
      });
      this.#subscriptions.add(subscription);
      subscription.start();
      return subscription;
    } catch (error) {
      this.#active.delete(slot);
      reader?.destroy();
      throw mapRedisError(error, SUBSCRIBE, namespace);
    }
  }

  /** Closes every subscription (bounded by `closeTimeoutMs`), turns waiting publishers away, disconnects. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#publisher.close();
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.close({ timeoutMs: this.#options.closeTimeoutMs })));
    await this.#main.close();
  }

  async health(): Promise<HealthReport> {
    const started = performance.now();
    try {
      await this.#main.command(['PING']);
      return { ok: true, latencyMs: performance.now() - started };
    } catch (error) {
      return { ok: false, latencyMs: performance.now() - started, details: { reason: mapRedisError(error, 'health').message } };
    }
  }

  /** `XGROUP CREATE … MKSTREAM`; an existing group keeps its cursor (BUSYGROUP is success). */
  async #createGroup(key: string, group: string, startId: string): Promise<void> {
    try {
      await this.#main.command(['XGROUP', 'CREATE', key, group, startId, 'MKSTREAM']);
    } catch (error) {
      if (replyKind(error) !== 'BUSYGROUP') throw error;
    }
  }

  #key(namespace: string): string {
    return this.#options.keyPrefix + namespace;
  }

  #log(error: unknown): void {
    this.#context?.logger.log({
      event: 'storage.stream.connection',
      level: 'warn',
      adapter: REDIS_ADAPTER,
      instance: this.#context.instanceName,
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

/**
 * Creates a Redis Streams store. Each namespace is one stream (`keyPrefix + namespace`), each group a
 * Redis consumer group; delivery is at-least-once with `XACK` after the handler resolves, redelivery
 * on failure or ack timeout, an `XAUTOCLAIM` loop for entries of stopped consumers, and dead-lettering
 * to `<namespace>.dead-letter` after `maxDeliveries`. Call `open()` before use (core does).
 */
export function createRedisStreamStore(options: RedisStreamStoreOptions, context?: AdapterContext): StreamStore {
  return createRedisStore(options, context, {});
}

/** {@link createRedisStreamStore} with test seams; not part of the public entry point. */
export function createRedisStore(options: RedisStreamStoreOptions, context: AdapterContext | undefined, internals: RedisStoreInternals): StreamStore {
  return new RedisStreamStore(resolveRedisOptions(options), context, internals);
}
