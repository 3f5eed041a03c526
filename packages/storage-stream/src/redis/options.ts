import { parseOptions, type StandardSchemaV1 } from '@sanctum/storage-core/spi';
import { z } from 'zod';

/** Options of the Redis Streams store (`redisStreams()` / `createRedisStreamStore()`). */
export interface RedisStreamStoreOptions {
  /** `redis[s]://[[user][:password]@]host[:port][/db]`. */
  readonly url: string;
  /** Prepended to every namespace to name its stream key; the dead-letter stream gets it too. @default '' */
  readonly keyPrefix?: string | undefined;
  /**
   * Hard bound on a stream's length. When a publish would pass it, entries every group has acked are
   * trimmed (`XTRIM MINID`, exact); if that is not enough the publish waits for room and then fails
   * with BACKPRESSURE. Checked atomically in a Lua script, which costs throughput (see the README);
   * absent = no backend bound (the local `maxPendingPublishes` bound still applies). @default none
   */
  readonly maxLength?: number | undefined;
  /**
   * Retention: `XADD … MAXLEN ~ n` keeps roughly the newest `n` entries of every stream this store
   * writes (dead-letter streams included) — whether or not a group has read them. @default none
   */
  readonly retention?: { readonly maxLength: number } | undefined;
  /**
   * Local bound: messages handed to Redis and not yet confirmed, per store. A publish that does not
   * fit waits (FIFO) up to its deadline, then fails with BACKPRESSURE. @default 10_000
   */
  readonly maxPendingPublishes?: number | undefined;
  /** Deadline of a publish that names no `timeoutMs`. @default 5_000 */
  readonly publishTimeoutMs?: number | undefined;
  /** How long `Subscription.close()` (and the store's close) waits for running handlers. @default 5_000 */
  readonly closeTimeoutMs?: number | undefined;
  /** Longest wait of one `XREADGROUP … BLOCK`; close interrupts it with `CLIENT UNBLOCK`. @default 1_000 */
  readonly blockMs?: number | undefined;
  /** How often a consumer with free slots runs `XAUTOCLAIM` for entries idle in other consumers. @default 1_000 */
  readonly reclaimIntervalMs?: number | undefined;
  /**
   * Added to the subscription's `ackTimeoutMs` to form `XAUTOCLAIM`'s min-idle: an entry is taken from
   * another consumer only after it sat unacked that long, so live consumers are never robbed. @default 1_000
   */
  readonly reclaimGraceMs?: number | undefined;
  /**
   * A connection silent this long while commands wait for replies is dropped and reconnected; the
   * waiting commands fail with TIMEOUT. Idle connections PING at a third of it. Must exceed
   * `blockMs`; 0 = never. @default 10_000
   */
  readonly socketTimeoutMs?: number | undefined;
  /** How long `open()` and a new subscription's connection may take to connect (UNAVAILABLE after). @default 10_000 */
  readonly connectTimeoutMs?: number | undefined;
  /** `CLIENT SETNAME` of the store's connections, shown in `CLIENT LIST`. @default none */
  readonly clientName?: string | undefined;
}

const positiveInt = z.number().int().positive();
const durationMs = z.number().int().nonnegative();

const schema = z
  .object({
    url: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
    keyPrefix: z.string().default(''),
    maxLength: positiveInt.optional(),
    retention: z.object({ maxLength: positiveInt }).strict().optional(),
    maxPendingPublishes: positiveInt.default(10_000),
    publishTimeoutMs: durationMs.default(5_000),
    closeTimeoutMs: durationMs.default(5_000),
    blockMs: positiveInt.default(1_000),
    reclaimIntervalMs: positiveInt.default(1_000),
    reclaimGraceMs: durationMs.default(1_000),
    socketTimeoutMs: durationMs.default(10_000),
    connectTimeoutMs: positiveInt.default(10_000),
    clientName: z.string().regex(/^[!-~]+$/, 'must be printable ASCII without spaces').optional(),
  })
  .strict()
  .refine((options) => options.socketTimeoutMs === 0 || options.socketTimeoutMs > options.blockMs, {
    message: 'socketTimeoutMs must be 0 or longer than blockMs (a blocked read is silent for blockMs)',
    path: ['socketTimeoutMs'],
  });

/** Validates `redisStreams()` options and fills their defaults. */
export const redisStreamOptionsSchema: StandardSchemaV1<unknown, RedisStreamStoreOptions> = schema;

/** Options with every default filled. */
export interface ResolvedRedisOptions {
  readonly url: string;
  readonly keyPrefix: string;
  readonly maxLength?: number | undefined;
  readonly retention?: { readonly maxLength: number } | undefined;
  readonly maxPendingPublishes: number;
  readonly publishTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly blockMs: number;
  readonly reclaimIntervalMs: number;
  readonly reclaimGraceMs: number;
  readonly socketTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly clientName?: string | undefined;
}

/** Fills defaults for options that did not come through the schema (direct `createRedisStreamStore`). */
export function resolveRedisOptions(options: RedisStreamStoreOptions): ResolvedRedisOptions {
  return parseOptions(schema, options, { adapter: 'redis-streams', subject: 'Redis stream options' });
}
