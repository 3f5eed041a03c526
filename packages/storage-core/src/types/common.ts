import type { Principal } from './principal.js';

/** The three storage kinds, plus the cache that sits under records and blob metadata. */
export type StoreKind = 'blob' | 'record' | 'stream' | 'cache';

/**
 * How fresh a read must be.
 * - `strong`: from the store, or from a cache entry younger than the namespace's staleness budget;
 *   read-your-writes holds within a client.
 * - `eventual`: cache first, then the store; never throws CONSISTENCY.
 * - `cache_only`: the cache alone; a miss is CACHE_MISS.
 */
export type Consistency = 'strong' | 'eventual' | 'cache_only';

/** What every successful write returns. */
export interface WriteResult {
  /** Monotonic per key for records; opaque for blobs. */
  readonly version: number | string;
  /** Opaque entity tag for `ifMatch`. Changes on every write, also across delete and re-create. */
  readonly etag: string;
}

/** One page of a listing. `cursor` is absent on the last page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly cursor?: string;
}

/** The answer of `health()` at every level. */
export interface HealthReport {
  readonly ok: boolean;
  /** Wall time of the probe in milliseconds. */
  readonly latencyMs: number;
  /** Non-secret facts (pool size, server version, reason of failure). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Options every operation accepts. */
export interface OperationOptions {
  /** Cancels the operation. An aborted operation fails with TIMEOUT when the reason is a timeout, else UNAVAILABLE. */
  readonly signal?: AbortSignal;
  /** Ties log lines and spans of one request together; generated when absent and needed. */
  readonly correlationId?: string;
  /** Who is acting; checked by the access policy when the client has one (docs/security.md). */
  readonly principal?: Principal;
}
