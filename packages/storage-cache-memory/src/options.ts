import { z } from 'zod';

/** Default of `maxEntries`. */
export const DEFAULT_MAX_ENTRIES = 10_000;
/** Default of `ttlMs`: no entry outlives five minutes unless configured otherwise. */
export const DEFAULT_TTL_CAP_MS = 300_000;
// lru-cache preallocates a few typed arrays of `maxEntries` slots (~40 bytes per slot); past 2^24
// slots that alone is over half a gigabyte, which is never what a config author meant.
const MAX_ENTRIES_LIMIT = 2 ** 24;

/**
 * Options of the memory cache, as written under `caches.<name>.options` in the storage config.
 * Validated by {@link memoryCacheOptionsSchema}; every option has a default or is optional.
 */
export const memoryCacheOptionsSchema = z
  .object({
    /**
     * Most entries kept; the least recently used entry is evicted to make room.
     * Slots are preallocated, so memory for bookkeeping grows with this number even when empty.
     * @default 10_000
     */
    maxEntries: z.number().int().positive().max(MAX_ENTRIES_LIMIT).default(DEFAULT_MAX_ENTRIES),
    /**
     * Upper bound on the estimated size of all entries, in bytes; least recently used entries are
     * evicted to stay under it. An entry whose own estimate exceeds it is not cached (and replaces
     * nothing: an older entry under the same key is dropped). The estimate walks the entry once per
     * `set` (never per `get`): see `estimateEntryBytes`.
     * @default unbounded (only `maxEntries` applies)
     */
    maxBytes: z.number().int().positive().optional(),
    /**
     * Longest time any entry is kept, in milliseconds. The TTL core asks for on each `set` (the
     * namespace's `cacheTtlMs`) is capped at this value.
     * @default 300_000 (five minutes)
     */
    ttlMs: z.number().int().positive().default(DEFAULT_TTL_CAP_MS),
    /**
     * Keep a structured clone of each entry's value, taken at `set`, so that a caller mutating its
     * own object afterwards (e.g. the record a read returned while filling the cache) cannot change
     * what later hits see. Costs one copy per fill and nothing per `get`. Turn off only when every
     * writer treats values as immutable. Values that cannot be cloned (functions) reject `set`.
     * @default true
     */
    cloneOnSet: z.boolean().default(true),
  })
  .strict()
  // A config entry without `options` means "all defaults".
  .prefault({});

/** Memory cache options as written by users (defaults optional). */
export type MemoryCacheOptionsInput = z.input<typeof memoryCacheOptionsSchema>;
/** Memory cache options after validation, defaults filled. */
export type MemoryCacheOptions = z.output<typeof memoryCacheOptionsSchema>;

/** Code-level settings that cannot live in a JSON config. */
export interface MemoryCacheRuntimeOptions {
  /**
   * Monotonic-enough clock in milliseconds used for TTL expiry, for tests. Must never return 0
   * (lru-cache reads a start time of 0 as "no TTL").
   * @default performance.now
   */
  readonly now?: () => number;
}
