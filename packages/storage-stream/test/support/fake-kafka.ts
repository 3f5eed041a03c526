import type { SubscribeRequest } from '@sanctum/storage-core/spi';
import type { EachBatchPayload, Kafka, KafkaConfig, KafkaMessage, Message, PartitionMetadata, ProducerConfig, RecordMetadata } from 'kafkajs';
import type { KafkaStreamStoreOptions } from '../../src/kafka/index.js';
import { createKafkaStore } from '../../src/kafka/stream-store.js';

/** What a test scripts about the fake cluster. */
export interface FakeKafkaScript {
  /** Committed offsets per partition as `fetchOffsets` reports them ('-1' = none). */
  committed: Map<number, { offset: string; metadata: string | null }>;
  watermarks: { partition: number; low: string; high: string }[];
  partitions: number;
  fetchOffsetsError?: unknown;
  /** Fails this many `fetchOffsets` calls after the first (the subscribe-time one). */
  failPositioning: number;
  sendError?: unknown;
  /** Base offset of every partition in produce responses. @default '100' */
  baseOffset?: string;
  /** Sends wait for this before answering. */
  sendGate?: Promise<void> | undefined;
  /** Replaces the produce response (and skips the partitioner, so no partition is known). */
  sendResult?: ((topic: string, messages: Message[]) => RecordMetadata[]) | undefined;
  commitError?: unknown;
  /** Commits wait for this before they are recorded. */
  commitGate?: Promise<void> | undefined;
  /** `fetchOffsets` answers without an entry for the topic. */
  offsetsMissingTopic?: boolean;
  /** Fires a CRASH event instead of GROUP_JOIN when a consumer runs… */
  crashOnRun?: unknown;
  /** …for this many runs (then consumers join normally). @default every run */
  crashRuns?: number;
  /** Consumers never join (their run hangs without GROUP_JOIN). */
  neverJoin?: boolean;
}

type Listener = (event: { payload: Record<string, unknown> }) => void;

/** A kafkajs consumer the test drives by hand: it joins on `run` and hands over batches on request. */
export class FakeConsumer {
  readonly events = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' } as const;
  readonly listeners = new Map<string, Listener[]>();
  readonly seeks: { partition: number; offset: string }[] = [];
  readonly commits: { partition: number; offset: string; metadata?: string | null }[] = [];
  eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  running = false;
  disconnected = false;
  stale = new Set<number>();

  constructor(
    readonly script: FakeKafkaScript,
    readonly config: { groupId: string },
  ) {}

  on(event: string, listener: Listener): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }

  emit(event: string, payload: Record<string, unknown>): void {
    for (const listener of this.listeners.get(event) ?? []) listener({ payload });
  }

  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}

  async run(config: { eachBatch: (payload: EachBatchPayload) => Promise<void> }): Promise<void> {
    this.eachBatch = config.eachBatch;
    this.running = true;
    setTimeout(() => {
      if (this.script.crashOnRun !== undefined && (this.script.crashRuns ?? Number.POSITIVE_INFINITY) > 0) {
        if (this.script.crashRuns !== undefined) this.script.crashRuns -= 1;
        this.emit(this.events.CRASH, { error: this.script.crashOnRun, restart: false });
        return;
      }
      if (this.script.neverJoin === true) return;
      this.join(Array.from({ length: this.script.partitions }, (_, i) => i));
    }, 1);
  }

  /** kafkajs gave up on this consumer (`restart` false) or restarts it itself (`restart` true). */
  crash(error: unknown, restart: boolean): void {
    this.running = false;
    this.emit(this.events.CRASH, { error, restart });
  }

  join(partitions: number[]): void {
    this.emit(this.events.GROUP_JOIN, { memberAssignment: { topic: partitions } });
  }

  seek(entry: { partition: number; offset: string }): void {
    this.seeks.push(entry);
  }

  async commitOffsets(entries: { partition: number; offset: string; metadata?: string | null }[]): Promise<void> {
    await this.script.commitGate;
    if (this.script.commitError !== undefined) throw this.script.commitError;
    this.commits.push(...entries);
    for (const entry of entries) this.script.committed.set(entry.partition, { offset: entry.offset, metadata: entry.metadata ?? null });
  }

  async disconnect(): Promise<void> {
    this.running = false;
    this.disconnected = true;
  }

  /** Hands one batch to the subscription, as kafkajs' runner would. */
  batch(partition: number, records: Partial<KafkaMessage>[], options: { heartbeat?: () => Promise<void> } = {}): { done: Promise<void>; resolved: string[] } {
    const resolved: string[] = [];
    const messages = records.map((record, index) => ({
      key: null,
      value: Buffer.from(`m${String(index)}`),
      timestamp: String(Date.now()),
      attributes: 0,
      offset: String(index),
      headers: {},
      ...record,
    })) as KafkaMessage[];
    const payload = {
      batch: { topic: 'topic', partition, messages, highWatermark: '0', isEmpty: () => messages.length === 0 },
      resolveOffset: (offset: string) => void resolved.push(offset),
      heartbeat: options.heartbeat ?? (async () => undefined),
      pause: () => () => undefined,
      commitOffsetsIfNecessary: async () => undefined,
      uncommittedOffsets: () => ({ topics: [] }),
      isRunning: () => this.running,
      isStale: () => this.stale.has(partition),
    } as unknown as EachBatchPayload;
    return { done: this.eachBatch!(payload), resolved };
  }
}

/** A fake kafkajs client: one producer, consumers per subscription, one admin. */
export class FakeKafka {
  readonly consumers: FakeConsumer[] = [];
  readonly sent: { topic: string; messages: Message[] }[] = [];
  producerConfig: ProducerConfig | undefined;

  constructor(
    readonly script: FakeKafkaScript,
    readonly config: KafkaConfig,
  ) {}

  producer(config: ProducerConfig) {
    this.producerConfig = config;
    const partitioner = config.createPartitioner!();
    const metadata: PartitionMetadata[] = Array.from({ length: this.script.partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      send: async ({ topic, messages }: { topic: string; messages: Message[] }): Promise<RecordMetadata[]> => {
        await this.script.sendGate;
        if (this.script.sendError !== undefined) throw this.script.sendError;
        this.sent.push({ topic, messages });
        if (this.script.sendResult !== undefined) return this.script.sendResult(topic, messages);
        const used = new Set(messages.map((message) => partitioner({ topic, partitionMetadata: metadata, message })));
        return [...used].map((partition) => ({ topicName: topic, partition, errorCode: 0, baseOffset: this.script.baseOffset ?? '100' }));
      },
    };
  }

  consumer(config: { groupId: string }) {
    const consumer = new FakeConsumer(this.script, config);
    this.consumers.push(consumer);
    return consumer;
  }

  admin() {
    let calls = 0;
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      describeCluster: async () => ({ brokers: [{ nodeId: 0, host: 'fake', port: 1 }], controller: 0, clusterId: 'fake' }),
      fetchOffsets: async () => {
        calls += 1;
        if (this.script.fetchOffsetsError !== undefined) throw this.script.fetchOffsetsError;
        if (calls > 1 && this.script.failPositioning > 0) {
          this.script.failPositioning -= 1;
          throw Object.assign(new Error('coordinator moved'), { name: 'KafkaJSConnectionError' });
        }
        if (this.script.offsetsMissingTopic === true) return [];
        const partitions = Array.from({ length: this.script.partitions }, (_, partition) => ({
          partition,
          offset: this.script.committed.get(partition)?.offset ?? '-1',
          metadata: this.script.committed.get(partition)?.metadata ?? null,
        }));
        return [{ topic: 'topic', partitions }];
      },
      fetchTopicOffsets: async () => this.script.watermarks.map((w) => ({ ...w, offset: w.high })),
    };
  }

  /** As `createKafka` for the store's test seam. */
  static seam(script: FakeKafkaScript, created: FakeKafka[]): (config: KafkaConfig) => Kafka {
    return (config) => {
      const kafka = new FakeKafka(script, config);
      created.push(kafka);
      return kafka as unknown as Kafka;
    };
  }
}

export function fakeScript(overrides: Partial<FakeKafkaScript> = {}): FakeKafkaScript {
  return { committed: new Map(), watermarks: [], partitions: 2, failPositioning: 0, ...overrides };
}

/**
 * A Kafka stream store on a fake cluster scripted by `script`, with short timings (10 ms heartbeats,
 * 1 ms commit interval, 100 ms close timeout); `kafka()` is the fake client it created.
 */
export function fakeKafkaStore(script: FakeKafkaScript, options: Partial<KafkaStreamStoreOptions> = {}) {
  const created: FakeKafka[] = [];
  const store = createKafkaStore(
    { brokers: ['fake:9092'], heartbeatIntervalMs: 10, commitIntervalMs: 1, closeTimeoutMs: 100, ...options },
    undefined,
    { createKafka: FakeKafka.seam(script, created) },
  );
  return { store, kafka: () => created[0]! };
}

/** A subscribe request on topic `topic`, group `g` (4 in flight, 2 deliveries, 1 s ack timeout) with `overrides`. */
export const kafkaSubscribeRequest = (overrides: Partial<SubscribeRequest> & Pick<SubscribeRequest, 'handler'>): SubscribeRequest => ({
  namespace: 'topic',
  group: 'g',
  maxInFlight: 4,
  maxDeliveries: 2,
  ackTimeoutMs: 1_000,
  ...overrides,
});
