import { z } from 'zod';
import { memoryCacheOptionsSchema } from '@sanctum/storage-cache-memory';

/** Default of `keyPrefix`. */
export const DEFAULT_KEY_PREFIX = 'sanctum:cache:';
/** Default of `maxValueBytes`: 1 MiB of encoded entry. */
export const DEFAULT_MAX_VALUE_BYTES = 1_048_576;
// Node's timers hold at most 2^31-1 ms; a larger timeout would fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Options of the Redis cache, as written under `caches.<name>.options` in the storage config.
 * Validated by {@link redisCacheOptionsSchema}; only `url` is required.
 */
export const redisCacheOptionsSchema = z
  .object({
    /** Redis URL, e.g. `redis://user:pass@host:6379/0` (`rediss://` for TLS). */
    url: z.string().min(1),
    /**
     * Prefix of every key this cache writes, and of its invalidation channel. Give each cache that
     * shares a Redis database its own prefix: `clear()` removes exactly the keys under it.
     * @default 'sanctum:cache:'
     */
    keyPrefix: z.string().min(1).default(DEFAULT_KEY_PREFIX),
    /**
     * Largest encoded entry kept, in bytes. A larger entry is not cached (and an older entry under
     * the same key is removed), so such reads always go to the store.
     * @default 1_048_576
     */
    maxValueBytes: z.number().int().positive().max(512 * 1_048_576).default(DEFAULT_MAX_VALUE_BYTES),
    /**
     * How long a delete fences fills of the same key, in milliseconds: during this window a fill
     * (which may carry a value read from the store before the delete) is refused. Covers a reader
     * in another process whose store read started before a write and whose fill lands after the
     * writer's delete. 0 turns the fence off (plain delete).
     * @default 1_000
     */
    fillFenceMs: z.number().int().nonnegative().max(MAX_TIMER_MS).default(1_000),
    /**
     * A connection that stays silent this long while commands wait is dropped (they fail with
     * TIMEOUT; a fail-open read then goes to the store) and reconnected; idle connections PING at a
     * third of it. An event loop blocked longer than this also drops the connection, so keep it
     * above your worst event-loop stall.
     * @default 1_000
     */
    commandTimeoutMs: z.number().int().positive().max(MAX_TIMER_MS).default(1_000),
    /**
     * How long `open()` waits for the first connection before failing with UNAVAILABLE. Later
     * losses reconnect forever in the background; commands fail fast while disconnected.
     * @default 5_000
     */
    connectTimeoutMs: z.number().int().positive().max(MAX_TIMER_MS).default(5_000),
    /**
     * An in-process memory cache in front of Redis (the memory cache's options). Entries are
     * dropped from it on every local write, on every invalidation from another process, and all at
     * once after the invalidation channel reconnects. Absent: every read goes to Redis.
     * @default absent
     */
    // `unwrap()`: the memory schema prefaults a missing object to `{}`, which would turn L1 on by default.
    l1: memoryCacheOptionsSchema.unwrap().optional(),
    /**
     * Reads that start while another read is waiting for Redis go out together, at the end of the
     * event loop's turn, as one MGET (one decode per distinct key). Cuts Redis and client CPU under
     * concurrency; a read with nothing else in flight is sent at once as a GET either way. Turn off
     * only to compare (bench/read-path.ts) or on a proxy that refuses multi-key commands.
     * @default true
     */
    batchReads: z.boolean().default(true),
    /**
     * How many keys keep their last Redis reply and its decoded entry, so that a read answered with
     * the very same bytes (compared in full) skips the decode. Every read still asks Redis; this
     * never serves anything Redis did not just return. Replies over 16 KiB are not kept. 0 turns it
     * off (memory: at most this many replies of up to 16 KiB, plus their decoded values).
     * @default 1_024
     */
    reuseDecoded: z.number().int().nonnegative().max(1_000_000).default(1_024),
    /** Client name shown by `CLIENT LIST`. @default absent */
    clientName: z.string().min(1).optional(),
  })
  .strict();

/** Redis cache options as written by users (defaults optional). */
export type RedisCacheOptionsInput = z.input<typeof redisCacheOptionsSchema>;
/** Redis cache options after validation, defaults filled. */
export type RedisCacheOptions = z.output<typeof redisCacheOptionsSchema>;
