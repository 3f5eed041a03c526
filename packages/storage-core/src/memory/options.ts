import { z } from 'zod';
import type { StandardSchemaV1 } from '../types/index.js';
import type { BlobCapabilities, RecordCapabilities, StreamCapabilities } from '../spi/index.js';

/** Optional on/off switches for some of a store's capability flags. */
export type CapabilitySwitches<Capabilities> = { readonly [Name in keyof Capabilities]?: boolean | undefined };

/** Options of the in-memory record store. */
export interface MemoryRecordStoreOptions {
  /** Features the store declares; switch one off to test how callers cope without it. @default all `true` */
  readonly capabilities?: CapabilitySwitches<RecordCapabilities> | undefined;
  /** Clock in epoch milliseconds (TTL). @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** Options of the in-memory blob store. */
export interface MemoryBlobStoreOptions {
  /** Largest object accepted, in bytes; bigger bodies fail with PAYLOAD_TOO_LARGE. @default no limit */
  readonly maxObjectBytes?: number | undefined;
  /** Features the store declares (`presign` is never supported). @default all `true` */
  readonly capabilities?: CapabilitySwitches<Omit<BlobCapabilities, 'presign'>> | undefined;
  /** Clock in epoch milliseconds (`lastModified`). @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** Options of the in-memory stream store. */
export interface MemoryStreamStoreOptions {
  /**
   * Most messages one stream retains. Acked messages are trimmed to make room; when lagging groups
   * still need them, publish waits and then fails with BACKPRESSURE. @default 100_000
   */
  readonly maxLength?: number | undefined;
  /** How long a publish waits for room when the request names no `timeoutMs`. @default 5_000 */
  readonly publishTimeoutMs?: number | undefined;
  /** How long `Subscription.close()` waits for in-flight handlers when not told. @default 5_000 */
  readonly closeTimeoutMs?: number | undefined;
  /** Replay features the store declares. @default both `true` */
  readonly capabilities?: CapabilitySwitches<Pick<StreamCapabilities, 'replayFromId' | 'replayFromTime'>> | undefined;
  /** Clock in epoch milliseconds (`publishedAt`). @default Date.now */
  readonly now?: (() => number) | undefined;
}

const clock = z.custom<() => number>((value) => typeof value === 'function', 'expected a function');
const flag = z.boolean().optional();
const positiveInt = z.number().int().positive();

/** Validates `memoryRecords()` options. */
export const memoryRecordOptionsSchema: StandardSchemaV1<unknown, MemoryRecordStoreOptions> = z
  .object({
    capabilities: z.object({ ttl: flag, bulk: flag, transactions: flag, splice: flag }).strict().optional(),
    now: clock.optional(),
  })
  .strict()
  .prefault({});

/** Validates `memoryBlobs()` options. */
export const memoryBlobOptionsSchema: StandardSchemaV1<unknown, MemoryBlobStoreOptions> = z
  .object({
    maxObjectBytes: positiveInt.optional(),
    capabilities: z
      .object({ createOnly: flag, compareAndSwap: flag, conditionalDelete: flag, conditionalRead: flag, rangeRead: flag, delimiter: flag, acl: flag })
      .strict()
      .optional(),
    now: clock.optional(),
  })
  .strict()
  .prefault({});

/** Validates `memoryStreams()` options and fills their defaults. */
export const memoryStreamOptionsSchema: StandardSchemaV1<unknown, MemoryStreamStoreOptions> = z
  .object({
    maxLength: positiveInt.default(100_000),
    publishTimeoutMs: z.number().int().nonnegative().default(5_000),
    closeTimeoutMs: z.number().int().nonnegative().default(5_000),
    capabilities: z.object({ replayFromId: flag, replayFromTime: flag }).strict().optional(),
    now: clock.optional(),
  })
  .strict()
  .prefault({});
