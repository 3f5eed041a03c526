import { StorageError } from '../../errors/index.js';
import type { RecordNamespaceConfig } from '../../config/index.js';
import type { CacheEntry, RecordEntry, RecordGetRequest, RecordStore } from '../../spi/index.js';
import type { Consistency } from '../../types/index.js';
import type { BoundCounter } from '../../observability/metrics.js';
import type { Layer, LayerContext } from '../layer.js';
import { cacheKey } from './cache-key.js';
import { WriteTracker, olderThanOwnWrite } from './write-tracker.js';

/** How long a strong read waits for its own write to become visible before CONSISTENCY. */
export const READ_YOUR_WRITES_DEADLINE_MS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface CacheCounters {
  readonly hit: BoundCounter;
  readonly miss: BoundCounter;
  readonly stale: BoundCounter;
  readonly violations: BoundCounter;
}

function toEntry(key: string, cached: CacheEntry): RecordEntry {
  return { key, value: structuredClone(cached.value) as RecordEntry['value'], version: Number(cached.version), etag: cached.etag };
}

/**
 * Read consistency for records (ADR-001): strong / eventual / cache_only reads, bypassCache,
 * staleness budget, stale-if-error, read-your-writes, synchronous purge on write and delete with
 * asynchronous fan-out to other clients. Also applied without a cache, for read-your-writes.
 */
export const cacheRecords: Layer<RecordStore, RecordNamespaceConfig> = (store, ctx) => {
  const { config, namespace, runtime } = ctx;
  const cache = ctx.cache;
  const tracker = new WriteTracker(10_000, 10_000, runtime.now);
  const labels = { namespace, kind: 'record' } as const;
  const counters: CacheCounters = {
    hit: runtime.metrics.cacheRequestsTotal.bind({ ...labels, result: 'hit' }),
    miss: runtime.metrics.cacheRequestsTotal.bind({ ...labels, result: 'miss' }),
    stale: runtime.metrics.cacheRequestsTotal.bind({ ...labels, result: 'stale' }),
    violations: runtime.metrics.consistencyViolationsTotal.bind(labels),
  };
  cache?.onInvalidation?.((keys) => {
    for (const key of keys) tracker.invalidated(key);
  });
  const cacheIo = cacheGuard(ctx);
  const fillTtl = config.cacheTtlMs + config.staleIfErrorMs;

  async function fill(key: string, fence: number, entry: RecordEntry | undefined): Promise<void> {
    if (cache === undefined || entry === undefined || !tracker.stillCurrent(key, fence)) return;
    // A copy: the caller owns `entry.value` and may mutate it; hits copy again on the way out.
    const value: CacheEntry = { value: structuredClone(entry.value), version: entry.version, etag: entry.etag, storedAt: runtime.now() };
    await cacheIo('set', () => cache.set(cacheKey(namespace, key), value, fillTtl));
  }

  async function readStore(request: RecordGetRequest): Promise<RecordEntry | undefined> {
    const fence = tracker.fence(request.key);
    let entry = await store.get(request);
    const own = tracker.lastWrite(request.key);
    if (own !== undefined && olderThanOwnWrite(entry, own)) {
      const deadline = runtime.now() + READ_YOUR_WRITES_DEADLINE_MS;
      while (olderThanOwnWrite(entry, own)) {
        if (runtime.now() >= deadline) {
          counters.violations.inc();
          throw new StorageError(
            'CONSISTENCY',
            `strong read of a record did not observe this client's write (version ${own.version}) within ${READ_YOUR_WRITES_DEADLINE_MS} ms`,
            { operation: 'records.get', namespace, adapter: store.name, details: { expectedVersion: own.version, seenVersion: entry?.version ?? null } },
          );
        }
        await sleep(5 + Math.random() * 15);
        entry = await store.get(request);
      }
    }
    await fill(request.key, fence, entry);
    return entry;
  }

  async function cached(key: string): Promise<CacheEntry | undefined> {
    if (cache === undefined) return undefined;
    return cacheIo('get', () => cache.get(cacheKey(namespace, key)));
  }

  async function get(request: RecordGetRequest): Promise<RecordEntry | undefined> {
    const mode: Consistency = request.consistency ?? config.consistency;
    if (cache === undefined) {
      if (mode === 'cache_only') {
        throw new StorageError('INVALID_ARGUMENT', `namespace "${namespace}" has no cache, so consistency "cache_only" cannot be served`, {
          operation: 'records.get',
          namespace,
          details: { field: 'consistency' },
        });
      }
      return mode === 'strong' ? readStore(request) : store.get(request);
    }
    if (request.bypassCache === true) {
      const fence = tracker.fence(request.key);
      const entry = await store.get(request);
      if (entry === undefined) await cacheIo('delete', () => cache.delete([cacheKey(namespace, request.key)]));
      else await fill(request.key, fence, entry);
      return entry;
    }
    const hit = await cached(request.key);
    const age = hit === undefined ? Infinity : runtime.now() - hit.storedAt;
    if (mode === 'cache_only') {
      if (hit !== undefined && age <= config.cacheTtlMs) {
        counters.hit.inc();
        return toEntry(request.key, hit);
      }
      counters.miss.inc();
      throw new StorageError('CACHE_MISS', `no fresh cache entry for this key in namespace "${namespace}"`, { operation: 'records.get', namespace });
    }
    if (mode === 'eventual') {
      if (hit !== undefined && age <= config.cacheTtlMs) {
        counters.hit.inc();
        return toEntry(request.key, hit);
      }
      counters.miss.inc();
      const fence = tracker.fence(request.key);
      try {
        const entry = await store.get(request);
        await fill(request.key, fence, entry);
        return entry;
      } catch (error) {
        if (hit !== undefined && age <= config.cacheTtlMs + config.staleIfErrorMs) {
          counters.stale.inc();
          return toEntry(request.key, hit);
        }
        throw error;
      }
    }
    const budget = Math.min(config.stalenessBudgetMs, config.cacheTtlMs);
    if (hit !== undefined && age < budget) {
      const own = tracker.lastWrite(request.key);
      if (own === undefined || !olderThanOwnWrite({ version: Number(hit.version) }, own)) {
        counters.hit.inc();
        return toEntry(request.key, hit);
      }
    }
    counters.miss.inc();
    return readStore(request);
  }

  function purge(keys: readonly string[]): Promise<void> {
    if (cache === undefined) return Promise.resolve();
    const physical = keys.map((key) => cacheKey(namespace, key));
    if (cache.publishInvalidation) {
      const publish = cache.publishInvalidation.bind(cache);
      // Fan-out is asynchronous by design; a failure only delays other clients until TTL.
      void publish(physical).catch((error: unknown) =>
        runtime.logger.log({ event: 'storage.cache.invalidation_failed', level: 'warn', namespace, message: String(error) }),
      );
    }
    return cacheIo('delete', () => cache.delete(physical));
  }

  const layered: RecordStore = {
    kind: 'record',
    name: store.name,
    capabilities: store.capabilities,
    get,
    async put(request) {
      const result = await store.put(request);
      tracker.wrote(request.key, result.version, result.etag);
      await purge([request.key]);
      return result;
    },
    async delete(request) {
      const deleted = await store.delete(request);
      tracker.wrote(request.key, 0, undefined);
      await purge([request.key]);
      return deleted;
    },
    list: (request) => store.list(request),
  };
  if (store.getMany) layered.getMany = store.getMany.bind(store);
  if (store.putMany) {
    const putMany = store.putMany.bind(store);
    layered.putMany = async (request) => {
      const results = await putMany(request);
      request.entries.forEach((entry, i) => tracker.wrote(entry.key, results[i]!.version, results[i]!.etag));
      await purge(request.entries.map((entry) => entry.key));
      return results;
    };
  }
  if (store.deleteMany) {
    const deleteMany = store.deleteMany.bind(store);
    layered.deleteMany = async (request) => {
      const count = await deleteMany(request);
      for (const key of request.keys) tracker.wrote(key, 0, undefined);
      await purge(request.keys);
      return count;
    };
  }
  if (store.transaction) {
    const transaction = store.transaction.bind(store);
    layered.transaction = async (work) => {
      const touched = new Map<string, Set<string>>();
      const result = await transaction((tx) =>
        work({
          get: (request) => tx.get(request),
          list: (request) => tx.list(request),
          put: (request) => {
            track(touched, request.namespace, request.key);
            return tx.put(request);
          },
          delete: (request) => {
            track(touched, request.namespace, request.key);
            return tx.delete(request);
          },
        }),
      );
      // Only this namespace's cache is ours; other namespaces' keys are purged by their own handles.
      const own = touched.get(namespace);
      if (own !== undefined) {
        for (const key of own) tracker.invalidated(key);
        await purge([...own]);
      }
      return result;
    };
  }
  return layered;
};

function track(touched: Map<string, Set<string>>, namespace: string, key: string): void {
  let keys = touched.get(namespace);
  if (keys === undefined) touched.set(namespace, (keys = new Set()));
  keys.add(key);
}

type CacheOp = 'get' | 'set' | 'delete';

/** Runs a cache call under the namespace's `onCacheFailure` policy. */
function cacheGuard(ctx: LayerContext<RecordNamespaceConfig>) {
  const failOpen = ctx.config.onCacheFailure === 'fail-open';
  return async <T>(op: CacheOp, call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call();
    } catch (cause) {
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
    }
  };
}
