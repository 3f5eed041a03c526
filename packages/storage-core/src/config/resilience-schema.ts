import { z } from 'zod';

const positiveMs = z.number().int().positive();
const share = z.number().min(0).max(1);

/**
 * The `resilience` section of an adapter instance (docs/resilience.md). Every field is optional; the
 * defaults below apply to an adapter instance once it sets `enabled: true`.
 */
export const resilienceConfig = z
  .object({
    /**
     * `true` switches timeouts, retries and the breaker on for this adapter instance. Off by default
     * until its hot-path cost is within budget (docs/resilience.md has the measured figures).
     * @default false
     */
    enabled: z.boolean().default(false),
    timeoutMs: z
      .object({
        /** Reads: record get/list/getMany, blob get (until the body starts)/head/list/presign. @default 2000 */
        read: positiveMs.default(2_000),
        /** Writes: record put/delete/putMany/deleteMany, blob delete, stream publish. @default 5000 */
        write: positiveMs.default(5_000),
        /** Blob puts, whose body may be large and streamed. @default 120000 */
        transfer: positiveMs.default(120_000),
      })
      .strict()
      .prefault({}),
    retry: z
      .object({
        /** Attempts in total, the first included; `1` disables retries. @default 3 */
        attempts: z.number().int().min(1).max(10).default(3),
        /** Backoff before retry n is uniform in [0, min(capMs, baseMs × 2^(n-1))] (full jitter). @default 20 */
        baseMs: positiveMs.default(20),
        /** @default 1000 */
        capMs: positiveMs.default(1_000),
        /** Retries in the window may be at most this share of requests in the window (plus `minPerWindow`). @default 0.1 */
        budget: share.default(0.1),
        /** Retries always allowed per window, so a quiet service can still retry. @default 10 */
        minPerWindow: z.number().int().nonnegative().default(10),
        /** The sliding window of the budget. @default 10000 */
        windowMs: positiveMs.default(10_000),
      })
      .strict()
      .prefault({}),
    breaker: z
      .object({
        /** @default true */
        enabled: z.boolean().default(true),
        /** Opens when failures / calls in the window exceed this share… @default 0.5 */
        errorRate: share.default(0.5),
        /** …once the window holds at least this many calls. @default 20 */
        volume: z.number().int().min(1).default(20),
        /** Open → half-open after this long; one probe call then decides. @default 5000 */
        halfOpenAfterMs: positiveMs.default(5_000),
        /** The rolling window of the error rate. @default 10000 */
        windowMs: positiveMs.default(10_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** The `resilience` section as written. */
export type ResilienceConfigInput = z.input<typeof resilienceConfig>;
/** The `resilience` section with every default filled. */
export type ResilienceConfig = z.output<typeof resilienceConfig>;
