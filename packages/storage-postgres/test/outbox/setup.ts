// Shared by the outbox tests, their child processes (app, relay, consumer) and the bench.
import { createStorageClient, type StorageClient, type StorageMetrics } from '@sanctum/storage-core';
import { redisStreams } from '@sanctum/storage-stream/redis';
import { postgresRecords } from '../../src/index.js';

/** Where one outbox scenario lives; passed to child processes as JSON in argv. */
export interface Scenario {
  readonly pgUrl: string;
  readonly schema: string;
  readonly redisUrl: string;
  /** Unique per run, so streams and groups never collide with other runs. */
  readonly redisPrefix: string;
  /** When set, `events` goes to Kafka instead of Redis. */
  readonly kafkaBrokers?: string;
  readonly poolSize?: number;
  /**
   * The Kafka consumer's `maxWaitTimeMs` (default 100). librdkafka's mock holds a fetch that finds no
   * data for this whole time even when data arrives meanwhile (a real broker answers at once), so a
   * latency measurement on the mock sets it low.
   */
  readonly kafkaMaxWaitMs?: number;
}

/** A client with `orders`, `handled` and `effects` on PostgreSQL and the `events` stream. */
export async function scenarioClient(scenario: Scenario, extra: { readonly metrics?: StorageMetrics; readonly resilience?: boolean } = {}): Promise<StorageClient> {
  // kafkajs loads only when Kafka is used: child processes start faster.
  const streamFactory = scenario.kafkaBrokers === undefined ? redisStreams() : (await import('@sanctum/storage-stream/kafka')).kafkaStreams();
  const events =
    scenario.kafkaBrokers === undefined
      ? { use: 'redis-streams', options: { url: scenario.redisUrl, keyPrefix: scenario.redisPrefix, reclaimGraceMs: 2_000, reclaimIntervalMs: 500 } }
      : { use: 'kafka', options: { brokers: scenario.kafkaBrokers.split(','), topicPrefix: scenario.redisPrefix.replace(/[^a-z0-9.-]/gi, '-'), idempotent: false, sessionTimeoutMs: 4_000, rebalanceTimeoutMs: 3_000, heartbeatIntervalMs: 300, maxWaitTimeMs: scenario.kafkaMaxWaitMs ?? 100 } };
  // (librdkafka's mock cluster serves no InitProducerId: no idempotent producer there.)
  return createStorageClient(
    {
      schemaVersion: 1,
      adapters: {
        pg: { use: 'postgres', options: { url: scenario.pgUrl, schema: scenario.schema, poolSize: scenario.poolSize ?? 4 } },
        bus: { ...events, ...(extra.resilience === true ? { resilience: { enabled: true } } : {}) },
      },
      namespaces: {
        orders: { kind: 'record', adapter: 'pg' },
        handled: { kind: 'record', adapter: 'pg' },
        effects: { kind: 'record', adapter: 'pg' },
        events: { kind: 'stream', adapter: 'bus', maxInFlight: 64, maxDeliveries: 1000, ackTimeoutMs: 30_000 },
      },
    },
    { adapters: [postgresRecords(), streamFactory], ...(extra.metrics === undefined ? {} : { metrics: extra.metrics }) },
  );
}

/** The payload every scenario publishes. */
export interface OrderEvent {
  /** Transaction number: unique per transaction attempt that commits. */
  readonly i: number;
  readonly key: string;
  /** Set on transactions that roll back on purpose: such a message must never arrive. */
  readonly rollback?: true;
  /** Epoch ms just before commit (latency bench). */
  readonly at?: number;
}

export function parseScenario(argv: readonly string[]): Scenario {
  const text = argv[2];
  if (text === undefined) throw new Error('usage: <script> <scenario JSON>');
  return JSON.parse(text) as Scenario;
}
