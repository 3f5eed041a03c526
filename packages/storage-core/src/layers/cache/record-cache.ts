import { StorageError } from '../../errors/index.js';
import type { RecordNamespaceConfig } from '../../config/index.js';
import type { CacheEntry, CacheStore, RecordEntry, RecordGetRequest, RecordStore } from '../../spi/index.js';
import type { Consistency } from '../../types/index.js';
import type { Layer, LayerContext, StoreMethods } from '../layer.js';
import { cacheKey, physicalKeys } from './cache-key.js';
import { frozen } from './cached-value.js';
import { cacheStateOf, type CacheState } from './cache-state.js';
import { olderThanOwnWrite, type TrackedWrite } from './write-tracker.js';
import { SingleFlight } from './single-flight.js';

/** How long a strong read waits for its own write to become visible before CONSISTENCY. */
export const READ_YOUR_WRITES_DEADLINE_MS = 100;

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function toEntry(key: string, cached: CacheEntry): RecordEntry {
  return { key, value: frozen(cached.value) as RecordEntry['value'], version: Number(cached.version), etag: cached.etag };
}

/** A store result as the cache layer hands it out: its value frozen, like a hit's. */
function handOut(entry: RecordEntry | undefined, cached: boolean): RecordEntry | undefined {
  if (cached && entry !== undefined) frozen(entry.value);
  return entry;
}

/**
 * Read consistency for records (ADR-001): strong / eventual / cache_only reads, bypassCache,
 * staleness budget, stale-if-error, read-your-writes, synchronous purge on write and delete with
 * asynchronous fan-out to other clients, invalidations from other clients. Also applied without a
 * cache, for read-your-writes. Inside a transaction it reads through and purges after commit.
 */
export const cacheRecords: Layer<RecordStore, RecordNamespaceConfig> = (store, ctx) => {
  const state = cacheStateOf(ctx);
  return ctx.transaction === undefined ? storeMethods(store, ctx, state) : transactionMethods(store, ctx, state);
};

function transactionMethods(store: RecordStore, ctx: LayerContext<RecordNamespaceConfig>, state: CacheState): Partial<StoreMethods<RecordStore>> {
  const written = new Map<string, { key: string; version: number; etag: string | undefined }>();
  ctx.transaction!.afterCommit(() => (written.size === 0 ? undefined : state.wrote([...written.values()])));
  return {
    // A transaction reads its own uncommitted state: never the cache, and nothing it reads is cached.
    get: (request) => store.get(request),
    async put(request) {
      const result = await store.put(request);
      written.set(request.key, { key: request.key, version: result.version, etag: result.etag });
      return result;
    },
    async delete(request) {
      const deleted = await store.delete(request);
      written.set(request.key, { key: request.key, version: 0, etag: undefined });
      return deleted;
    },
  };
}

function storeMethods(store: RecordStore, ctx: LayerContext<RecordNamespaceConfig>, state: CacheState): Partial<StoreMethods<RecordStore>> {
  const { config, namespace, runtime } = ctx;
  const { cache, tracker, counters, io } = state;
  const misses = new SingleFlight<RecordEntry | undefined>();
  const physicalKey = physicalKeys(namespace);

  function consistencyError(own: TrackedWrite, entry: RecordEntry | undefined): StorageError {
    counters.violations.inc();
    return new StorageError(
      'CONSISTENCY',
      `strong read of a record did not observe this client's write (version ${own.version}) within ${READ_YOUR_WRITES_DEADLINE_MS} ms`,
      { operation: 'records.get', namespace, adapter: store.name, details: { expectedVersion: own.version, seenVersion: entry?.version ?? null } },
    );
  }

  /** Re-reads until the store shows our own write `own`, for at most READ_YOUR_WRITES_DEADLINE_MS. */
  async function awaitOwnWrite(request: RecordGetRequest, first: RecordEntry | undefined, own: TrackedWrite): Promise<RecordEntry | undefined> {
    let entry = first;
    const deadline = runtime.now() + READ_YOUR_WRITES_DEADLINE_MS;
    while (olderThanOwnWrite(entry, own)) {
      if (runtime.now() >= deadline) throw consistencyError(own, entry);
      await pause(5 + Math.random() * 15, request.signal);
      entry = await store.get(request);
    }
    return entry;
  }

  /** A strong store read without a cache: read-your-writes only (one `then` when nothing is pending). */
  function strongRead(request: RecordGetRequest): Promise<RecordEntry | undefined> {
    return store.get(request).then((entry) => {
      const own = tracker.lastWrite(request.key);
      return own === undefined || !olderThanOwnWrite(entry, own) ? entry : awaitOwnWrite(request, entry, own);
    });
  }

  async function readStore(request: RecordGetRequest): Promise<RecordEntry | undefined> {
    const fence = tracker.fence(request.key);
    let entry = await store.get(request);
    const own = tracker.lastWrite(request.key);
    if (own !== undefined && olderThanOwnWrite(entry, own)) entry = await awaitOwnWrite(request, entry, own);
    await state.fill(request.key, fence, entry);
    return entry;
  }

  async function eventualMiss(request: RecordGetRequest, hit: CacheEntry | undefined, age: number): Promise<RecordEntry | undefined> {
    counters.miss.inc();
    const load = async () => {
      const fence = tracker.fence(request.key);
      const entry = await store.get(request);
      await state.fill(request.key, fence, entry);
      return handOut(entry, true);
    };
    try {
      // Concurrent eventual misses of one key share one store read (its value is frozen, so sharing
      // is safe). A read with its own AbortSignal reads alone: another caller's abort must not end it.
      return await (request.signal === undefined ? misses.run(request.key, load) : load());
    } catch (error) {
      if (hit !== undefined && age <= config.cacheTtlMs + config.staleIfErrorMs) {
        counters.stale.inc();
        return toEntry(request.key, hit);
      }
      throw error;
    }
  }

  async function bypass(request: RecordGetRequest, cache: CacheStore): Promise<RecordEntry | undefined> {
    const fence = tracker.fence(request.key);
    const entry = await store.get(request);
    if (entry === undefined) await io('delete', () => cache.delete([cacheKey(namespace, request.key)]));
    else await state.fill(request.key, fence, entry);
    return handOut(entry, true);
  }

  const budget = Math.min(config.stalenessBudgetMs, config.cacheTtlMs);

  /** The entry to hand out when `hit` may serve this read (ADR-001 table), counted as a hit; else `undefined`. */
  function served(request: RecordGetRequest, mode: Consistency, hit: CacheEntry, age: number): RecordEntry | undefined {
    if (mode === 'strong') {
      if (!(age < budget)) return undefined;
      const own = tracker.lastWrite(request.key);
      if (own !== undefined && olderThanOwnWrite({ version: Number(hit.version) }, own)) return undefined;
    } else if (!(age <= config.cacheTtlMs)) {
      return undefined;
    }
    counters.hit.inc();
    return toEntry(request.key, hit);
  }

  // One async frame and one await on a hit (the cache read itself); misses continue in helpers and
  // are awaited here, never returned as a promise (that would cost the extra resolve ticks).
  async function cachedRead(request: RecordGetRequest, mode: Consistency, cache: CacheStore, physical: string): Promise<RecordEntry | undefined> {
    let hit: CacheEntry | undefined;
    try {
      hit = await cache.get(physical);
    } catch (cause) {
      hit = state.failed('get', cause);
    }
    const age = hit === undefined ? Infinity : runtime.now() - hit.storedAt;
    const fresh = hit === undefined ? undefined : served(request, mode, hit, age);
    if (fresh !== undefined) return fresh;
    if (mode === 'eventual') return await eventualMiss(request, hit, age);
    counters.miss.inc();
    if (mode === 'cache_only') {
      throw new StorageError('CACHE_MISS', `no fresh cache entry for this key in namespace "${namespace}"`, { operation: 'records.get', namespace });
    }
    return handOut(await readStore(request), true);
  }

  function get(request: RecordGetRequest): Promise<RecordEntry | undefined> {
    const mode: Consistency = request.consistency ?? config.consistency;
    if (cache === undefined) {
      if (mode === 'cache_only') {
        return Promise.reject(
          new StorageError('INVALID_ARGUMENT', `namespace "${namespace}" has no cache, so consistency "cache_only" cannot be served`, {
            operation: 'records.get',
            namespace,
            details: { field: 'consistency' },
          }),
        );
      }
      return mode === 'strong' ? strongRead(request) : store.get(request);
    }
    if (request.bypassCache === true) return bypass(request, cache);
    const physical = physicalKey(request.key);
    if (cache.peek !== undefined) {
      // An in-memory hit is served without a promise tick; anything else (miss, stale entry,
      // failure) takes the full path below, which reads the cache again and applies the policy.
      let hit: CacheEntry | undefined;
      try {
        hit = cache.peek(physical);
      } catch {
        hit = undefined;
      }
      if (hit !== undefined) {
        const fresh = served(request, mode, hit, runtime.now() - hit.storedAt);
        if (fresh !== undefined) return Promise.resolve(fresh);
      }
    }
    return cachedRead(request, mode, cache, physical);
  }

  /** `result` once our write is recorded and purged (at once when there is no cache to purge). */
  function afterWrite<R>(result: R, purged: Promise<void> | undefined): R | Promise<R> {
    return purged === undefined ? result : purged.then(() => result);
  }

  const methods: Partial<StoreMethods<RecordStore>> = {
    get,
    put(request) {
      return store.put(request).then((result) => afterWrite(result, state.wroteOne(request.key, result.version, result.etag)));
    },
    delete(request) {
      return store.delete(request).then((deleted) => afterWrite(deleted, state.wroteOne(request.key, 0, undefined)));
    },
    putMany(request) {
      return store.putMany!(request).then((results) =>
        afterWrite(results, state.wrote(request.entries.map((entry, i) => ({ key: entry.key, version: results[i]!.version, etag: results[i]!.etag })))),
      );
    },
    deleteMany(request) {
      return store.deleteMany!(request).then((count) => afterWrite(count, state.wrote(request.keys.map((key) => ({ key, version: 0, etag: undefined })))));
    },
  };
  return methods;
}
