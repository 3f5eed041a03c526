import { randomUUID } from 'node:crypto';
import { deadLetterNamespace, type AdapterContext, type HealthReport, type PublishReceipt, type StreamCapabilities, type StreamMessage, type StreamPublishRequest, type StreamStore, type SubscribeRequest, type Subscription } from '@sanctum/storage-core/spi';
import { Kafka, Partitioners, logLevel, type Admin, type KafkaConfig, type Producer, type SASLOptions } from 'kafkajs';
import { abortedError } from '../shared/abort.js';
import { deadLetterHeaders } from '../shared/dead-letter.js';
import { defaultConsumerName, validateSubscribe } from '../shared/validate.js';
import { KAFKA_ADAPTER, kafkaError, mapKafkaError } from './errors.js';
import { startPlan } from './ids.js';
import { kafkaLogCreator } from './log.js';
import { resolveKafkaOptions, type KafkaStreamStoreOptions, type ResolvedKafkaOptions } from './options.js';
import { PartitionTracker } from './partitioner.js';
import { KafkaPublisher } from './publisher.js';
import { KafkaSubscription } from './subscription.js';

const SUBSCRIBE = 'streams.subscribe';

/** Test seams: extra kafkajs settings (e.g. a socket factory) and where the client comes from. */
export interface KafkaStoreInternals {
  readonly kafkaConfig?: Partial<KafkaConfig>;
  readonly createKafka?: (config: KafkaConfig) => Kafka;
}

function kafkaConfig(options: ResolvedKafkaOptions, context: AdapterContext | undefined, internals: KafkaStoreInternals): KafkaConfig {
  return {
    clientId: options.clientId,
    brokers: [...options.brokers],
    ssl: options.ssl,
    ...(options.sasl === undefined ? {} : { sasl: { ...options.sasl } as SASLOptions }),
    connectionTimeout: options.connectionTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    retry: { retries: options.retries },
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(context?.logger, context?.instanceName),
    ...internals.kafkaConfig,
  };
}

class KafkaStreamStore implements StreamStore {
  readonly kind = 'stream' as const;
  readonly name = KAFKA_ADAPTER;
  readonly capabilities: StreamCapabilities = Object.freeze({ replayFromId: true, replayFromTime: true, ordering: 'per-key' as const });
  readonly #options: ResolvedKafkaOptions;
  readonly #kafka: Kafka;
  readonly #producer: Producer;
  readonly #publisher: KafkaPublisher;
  readonly #subscriptions = new Set<KafkaSubscription>();
  readonly #active = new Set<string>();
  #admin: Promise<Admin> | undefined;
  #closed = false;

  constructor(options: ResolvedKafkaOptions, context: AdapterContext | undefined, internals: KafkaStoreInternals) {
    this.#options = options;
    const config = kafkaConfig(options, context, internals);
    this.#kafka = internals.createKafka?.(config) ?? new Kafka(config);
    const tracker = new PartitionTracker();
    this.#producer = this.#kafka.producer({
      createPartitioner: tracker.partitioner(Partitioners.DefaultPartitioner),
      idempotent: options.idempotent,
      allowAutoTopicCreation: true,
      // The idempotent producer needs retries > 0; kafkajs warns when they are bounded, which is intended.
      retry: { retries: Math.max(options.retries, options.idempotent ? 1 : 0) },
    });
    this.#publisher = new KafkaPublisher(this.#producer, tracker, options);
  }

  async open(): Promise<void> {
    try {
      await this.#producer.connect();
    } catch (error) {
      throw mapKafkaError(error, 'open');
    }
  }

  publish(request: StreamPublishRequest): Promise<PublishReceipt[]> {
    if (this.#closed) return Promise.reject(kafkaError('UNAVAILABLE', 'the store was closed', 'streams.publish', request.namespace));
    return this.#publisher.publish(request, this.#topic(request.namespace));
  }

  async subscribe(request: SubscribeRequest): Promise<Subscription> {
    const { namespace } = request;
    if (request.signal?.aborted === true) throw abortedError(request.signal, SUBSCRIBE, namespace, KAFKA_ADAPTER);
    if (this.#closed) throw kafkaError('UNAVAILABLE', 'the store was closed', SUBSCRIBE, namespace);
    validateSubscribe(request, (message) => kafkaError('INVALID_ARGUMENT', message, SUBSCRIBE, namespace));
    const plan = startPlan(request.from);
    if ('invalid' in plan) throw kafkaError('INVALID_ARGUMENT', plan.invalid, SUBSCRIBE, namespace);
    const consumer = request.consumer ?? defaultConsumerName(randomUUID());
    const slot = `${namespace}\u0000${request.group}\u0000${consumer}`;
    if (this.#active.has(slot)) {
      throw kafkaError('ALREADY_EXISTS', `consumer ${consumer} is already active in group ${request.group}`, SUBSCRIBE, namespace);
    }
    this.#active.add(slot);
    const deadLetterTopic = this.#topic(deadLetterNamespace(namespace));
    const subscription = new KafkaSubscription({
      kafka: this.#kafka,
      admin: () => this.#adminClient(),
      deadLetter: (message, error, attempts) => this.#deadLetter(deadLetterTopic, message, error, attempts),
      topic: this.#topic(namespace),
      consumer,
      request,
      options: this.#options,
      plan,
      onClosed: () => {
        this.#subscriptions.delete(subscription);
        this.#active.delete(slot);
      },
    });
    try {
      await subscription.start();
    } catch (error) {
      this.#active.delete(slot);
      throw mapKafkaError(error, SUBSCRIBE, namespace);
    }
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /** Closes every subscription (bounded by `closeTimeoutMs`), turns waiting publishers away, disconnects. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#publisher.close();
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.close({ timeoutMs: this.#options.closeTimeoutMs })));
    const admin = this.#admin;
    this.#admin = undefined;
    await Promise.all([this.#producer.disconnect().catch(() => undefined), admin?.then((client) => client.disconnect()).catch(() => undefined)]);
  }

  async health(): Promise<HealthReport> {
    const started = performance.now();
    try {
      const admin = await this.#adminClient();
      const cluster = await admin.describeCluster();
      return { ok: true, latencyMs: performance.now() - started, details: { brokers: cluster.brokers.length } };
    } catch (error) {
      return { ok: false, latencyMs: performance.now() - started, details: { reason: mapKafkaError(error, 'health').message } };
    }
  }

  /** The admin client, connected once; used at subscribe and group join, never per message. */
  #adminClient(): Promise<Admin> {
    if (this.#admin === undefined) {
      const admin = this.#kafka.admin({ retry: { retries: this.#options.retries } });
      const connecting = admin.connect().then(() => admin);
      connecting.catch(() => {
        if (this.#admin === connecting) this.#admin = undefined;
      });
      this.#admin = connecting;
    }
    return this.#admin;
  }

  async #deadLetter(topic: string, message: StreamMessage, error: unknown, attempts: number): Promise<void> {
    const headers = deadLetterHeaders(message.headers, error, attempts, message.id);
    await this.#publisher.send(
      topic,
      [{ value: Buffer.from(message.payload), headers, ...(message.key === undefined ? {} : { key: message.key }) }],
      message.namespace,
      'streams.deadLetter',
    );
  }

  #topic(namespace: string): string {
    return this.#options.topicPrefix + namespace;
  }
}

/**
 * Creates a Kafka store (kafkajs). Each namespace is one topic (`topicPrefix + namespace`, created by
 * the broker's auto-create or provisioned; this adapter makes no admin calls per message), each group
 * a Kafka consumer group with manually committed offsets. Call `open()` before use (core does).
 */
export function createKafkaStreamStore(options: KafkaStreamStoreOptions, context?: AdapterContext): StreamStore {
  return createKafkaStore(options, context, {});
}

/** {@link createKafkaStreamStore} with test seams; not part of the public entry point. */
export function createKafkaStore(options: KafkaStreamStoreOptions, context: AdapterContext | undefined, internals: KafkaStoreInternals): StreamStore {
  return new KafkaStreamStore(resolveKafkaOptions(options), context, internals);
}
