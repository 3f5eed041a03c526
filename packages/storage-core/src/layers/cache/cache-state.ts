import { StorageError } from '../../errors/index.js';
import type { RecordNamespaceConfig } from '../../config/index.js';
import type { CacheEntry, CacheStore, RecordEntry } from '../../spi/index.js';
import type { BoundCounter } from '../../observability/metrics.js';
import type { LayerContext } from '../layer.js';
import { cacheKey, logicalKeys } from './cache-key.js';
import { toCacheValue } from './cached-value.js';
import { WriteTracker } from './write-tracker.js';

type CacheOp = 'get' | 'set' | 'delete';

/** Counters of the cache layer, bound once per namespace. */
export interface CacheCounters {
  readonly hit: BoundCounter;
  readonly miss: BoundCounter;
  readonly stale: BoundCounter;
  readonly violations: BoundCounter;
}

/**
 * What the cache layer keeps per namespace and client, shared by the store and every transaction
 * scope: the write tracker (read-your-writes, fill fences), the invalidation subscription, purge.
 */
export interface CacheState {
  readonly cache: CacheStore | undefined;
  readonly tracker: WriteTracker;
  readonly counters: CacheCounters;
  /** Runs a cache call under the namespace's `onCacheFailure` policy. */
  io<T>(op: CacheOp, call: () => Promise<T>): Promise<T | undefined>;
  /** A failed cache call under that policy: logs, then returns `undefined` (fail-open) or throws UNAVAILABLE. */
  failed(op: CacheOp, cause: unknown): undefined;
  /** Stores `entry` unless `key` changed since `fence` was taken. */
  fill(key: string, fence: number, entry: RecordEntry | undefined): Promise<void>;
  /**
   * Records our own writes and purges them here and (asynchronously) in other clients. Returns
   * `undefined` when there is nothing to wait for (no cache), so a write's hot path adds no tick.
   */
  wrote(keys: ReadonlyArray<{ readonly key: string; readonly version: number; readonly etag: string | undefined }>): Promise<void> | undefined;
  /** {@link wrote} for a single key, without building an array when there is no cache. */
  wroteOne(key: string, version: number, etag: string | undefined): Promise<void> | undefined;
}

/** The token under which each namespace's state is kept in `LayerContext.shared`. */
const CACHE_STATE = Symbol('cache-state');

/** The namespace's cache state, created (and subscribed to invalidations) on first use. */
export function cacheStateOf(ctx: LayerContext<RecordNamespaceConfig>): CacheState {
  return ctx.shared(CACHE_STATE, () => createCacheState(ctx));
}

function createCacheState(ctx: LayerContext<RecordNamespaceConfig>): CacheState {
  const { namespace, runtime, config, cache } = ctx;
  const tracker = new WriteTracker(10_000, 10_000, runtime.now, cache !== undefined);
  const labels = { namespace, kind: 'record' } as const;
  const counters: CacheCounters = {
    hit: runtime.metrics.cacheRequestsTotal.bind({ ...labels, result: 'hit' }),
    miss: runtime.metrics.cacheRequestsTotal.bind({ ...labels, result: 'miss' }),
    stale: runtime.metrics.cacheRequestsTotal.bind({ ...labels, result: 'stale' }),
    violations: runtime.metrics.consistencyViolationsTotal.bind(labels),
  };
  const failed = cacheFailure(ctx);
  const io = async <T>(op: CacheOp, call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call();
    } catch (cause) {
      return failed(op, cause);
    }
  };
  const fillTtl = config.cacheTtlMs + config.staleIfErrorMs;

  if (cache?.onInvalidation !== undefined) {
    // Another client changed these keys: fence fills that started before, then drop our entries (a
    // fill that raced the write and landed before this message is removed here).
    const unsubscribe = cache.onInvalidation((physical) => {
      const keys = logicalKeys(namespace, physical);
      if (keys.length === 0) return;
      for (const key of keys) tracker.invalidated(key);
      void io('delete', () => cache.delete(keys.map((key) => cacheKey(namespace, key)))).catch(() => undefined);
    });
    ctx.onClose(unsubscribe);
  }

  function purge(keys: readonly string[]): Promise<void> {
    if (cache === undefined) return Promise.resolve();
    const physical = keys.map((key) => cacheKey(namespace, key));
    const purged = io('delete', () => cache.delete(physical));
    // Fan-out is asynchronous by design; a failure only delays other clients until their TTL.
    cache.publishInvalidation?.(physical).catch((error: unknown) =>
      runtime.logger.log({ event: 'storage.cache.invalidation_failed', level: 'warn', namespace, message: String(error) }),
    );
    return purged.then(() => undefined);
  }

  return {
    cache,
    tracker,
    counters,
    io,
    failed,
    async fill(key, fence, entry) {
      if (cache === undefined || entry === undefined || !tracker.stillCurrent(key, fence)) return;
      const value: CacheEntry = { value: toCacheValue(entry.value), version: entry.version, etag: entry.etag, storedAt: runtime.now() };
      await io('set', () => cache.set(cacheKey(namespace, key), value, fillTtl));
    },
    wrote(writes) {
      for (const write of writes) tracker.wrote(write.key, write.version, write.etag);
      return cache === undefined ? undefined : purge(writes.map((write) => write.key));
    },
    wroteOne(key, version, etag) {
      tracker.wrote(key, version, etag);
      return cache === undefined ? undefined : purge([key]);
    },
  };
}

function cacheFailure(ctx: LayerContext<RecordNamespaceConfig>): (op: CacheOp, cause: unknown) => undefined {
  const failOpen = ctx.config.onCacheFailure === 'fail-open';
  return (op, cause) => {
    ctx.runtime.logger.log({
      event: 'storage.cache.error',
      level: 'warn',
      namespace: ctx.namespace,
      operation: op,
      policy: ctx.config.onCacheFailure,
      message: cause instanceof Error ? cause.message : String(cause),
    });
    if (failOpen) return undefined;
    throw new StorageError('UNAVAILABLE', `cache ${op} failed and namespace "${ctx.namespace}" is fail-closed`, {
      operation: `records.cache.${op}`,
      namespace: ctx.namespace,
      cause,
    });
  };
}
