import { parseOptions, type StandardSchemaV1 } from '@sanctum/storage-core/spi';
import { z } from 'zod';

/** SASL credentials for brokers that require them. */
export interface KafkaSaslOptions {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

/** Options of the Kafka store (`kafkaStreams()` / `createKafkaStreamStore()`). */
export interface KafkaStreamStoreOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** kafkajs `clientId`, shown in broker logs and quotas. @default 'sanctum-storage' */
  readonly clientId?: string | undefined;
  /** Prepended to every namespace to name its topic; the dead-letter topic gets it too. @default '' */
  readonly topicPrefix?: string | undefined;
  /** TLS to the brokers. @default false */
  readonly ssl?: boolean | undefined;
  readonly sasl?: KafkaSaslOptions | undefined;
  /**
   * Idempotent producer (no duplicates from the producer's own retries). Needs InitProducerId, which
   * librdkafka's mock cluster does not serve to kafkajs: set `false` there. @default true
   */
  readonly idempotent?: boolean | undefined;
  /** Producer retries of a failed send before publish fails. @default 5 */
  readonly retries?: number | undefined;
  /** Local bound: messages handed to kafkajs and not yet acknowledged by the brokers. @default 10_000 */
  readonly maxPendingPublishes?: number | undefined;
  /** Deadline of a publish that names no `timeoutMs` (waiting for room in the local bound). @default 5_000 */
  readonly publishTimeoutMs?: number | undefined;
  /** How long `Subscription.close()` (and the store's close) waits for running handlers. @default 5_000 */
  readonly closeTimeoutMs?: number | undefined;
  /** kafkajs `connectionTimeout`. @default 3_000 */
  readonly connectionTimeoutMs?: number | undefined;
  /** kafkajs `requestTimeout`. @default 30_000 */
  readonly requestTimeoutMs?: number | undefined;
  /** Consumer session timeout: a consumer silent this long is dropped and its partitions reassigned. @default 30_000 */
  readonly sessionTimeoutMs?: number | undefined;
  /** How long a rebalance waits for members to rejoin. @default 60_000 */
  readonly rebalanceTimeoutMs?: number | undefined;
  /** Consumer heartbeat interval (keep well under the session timeout). @default 3_000 */
  readonly heartbeatIntervalMs?: number | undefined;
  /** Longest a fetch waits for data (also the idle heartbeat cadence). @default 500 */
  readonly maxWaitTimeMs?: number | undefined;
  /** Fetch size per partition: with `maxInFlight`, what bounds a consumer's buffered messages. @default 1_048_576 */
  readonly maxBytesPerPartition?: number | undefined;
  /** Partitions one consumer works on at once (they share its `maxInFlight` slots). @default 4 */
  readonly partitionsConsumedConcurrently?: number | undefined;
  /** During a long batch, handled progress is committed at least this often. @default 1_000 */
  readonly commitIntervalMs?: number | undefined;
  /** How long subscribe waits for the consumer to join its group (UNAVAILABLE after). @default 60_000 */
  readonly joinTimeoutMs?: number | undefined;
}

const positiveInt = z.number().int().positive();
const durationMs = z.number().int().nonnegative();

const schema = z
  .object({
    brokers: z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port')).min(1),
    clientId: z.string().min(1).default('sanctum-storage'),
    topicPrefix: z.string().regex(/^[A-Za-z0-9._-]*$/, 'may only hold letters, digits, ".", "_" and "-"').default(''),
    ssl: z.boolean().default(false),
    sasl: z
      .object({ mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']), username: z.string(), password: z.string() })
      .strict()
      .optional(),
    idempotent: z.boolean().default(true),
    retries: z.number().int().nonnegative().default(5),
    maxPendingPublishes: positiveInt.default(10_000),
    publishTimeoutMs: durationMs.default(5_000),
    closeTimeoutMs: durationMs.default(5_000),
    connectionTimeoutMs: positiveInt.default(3_000),
    requestTimeoutMs: positiveInt.default(30_000),
    sessionTimeoutMs: positiveInt.default(30_000),
    rebalanceTimeoutMs: positiveInt.default(60_000),
    heartbeatIntervalMs: positiveInt.default(3_000),
    maxWaitTimeMs: positiveInt.default(500),
    maxBytesPerPartition: positiveInt.default(1_048_576),
    partitionsConsumedConcurrently: positiveInt.default(4),
    commitIntervalMs: positiveInt.default(1_000),
    joinTimeoutMs: positiveInt.default(60_000),
  })
  .strict();

/** Validates `kafkaStreams()` options and fills their defaults. */
export const kafkaStreamOptionsSchema: StandardSchemaV1<unknown, KafkaStreamStoreOptions> = schema;

/** Options with every default filled. */
export interface ResolvedKafkaOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly topicPrefix: string;
  readonly ssl: boolean;
  readonly sasl?: KafkaSaslOptions | undefined;
  readonly idempotent: boolean;
  readonly retries: number;
  readonly maxPendingPublishes: number;
  readonly publishTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly maxWaitTimeMs: number;
  readonly maxBytesPerPartition: number;
  readonly partitionsConsumedConcurrently: number;
  readonly commitIntervalMs: number;
  readonly joinTimeoutMs: number;
}

/** Fills defaults for options that did not come through the schema (direct `createKafkaStreamStore`). */
export function resolveKafkaOptions(options: KafkaStreamStoreOptions): ResolvedKafkaOptions {
  return parseOptions(schema, options, { adapter: 'kafka', subject: 'Kafka stream options' });
}
