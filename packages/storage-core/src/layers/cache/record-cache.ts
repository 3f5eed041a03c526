import { StorageError } from '../../errors/index.js';
import type { RecordNamespaceConfig } from '../../config/index.js';
import type { CacheEntry, RecordEntry, RecordGetRequest, RecordStore } from '../../spi/index.js';
import type { Consistency } from '../../types/index.js';
import type { Layer, LayerContext, StoreMethods } from '../layer.js';
import { cacheKey } from './cache-key.js';
import { frozen } from './cached-value.js';
import { cacheStateOf, type CacheState } from './cache-state.js';
import { olderThanOwnWrite } from './write-tracker.js';

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
        await pause(5 + Math.random() * 15, request.signal);
        entry = await store.get(request);
      }
    }
    await state.fill(request.key, fence, entry);
    return entry;
  }

  function cached(key: string): Promise<CacheEntry | undefined> {
    return io('get', () => cache!.get(cacheKey(namespace, key)));
  }

  async function eventual(request: RecordGetRequest, hit: CacheEntry | undefined, age: number): Promise<RecordEntry | undefined> {
    if (hit !== undefined && age <= config.cacheTtlMs) {
      counters.hit.inc();
      return toEntry(request.key, hit);
    }
    counters.miss.inc();
    const fence = tracker.fence(request.key);
    try {
      const entry = await store.get(request);
      await state.fill(request.key, fence, entry);
      return handOut(entry, true);
    } catch (error) {
      if (hit !== undefined && age <= config.cacheTtlMs + config.staleIfErrorMs) {
        counters.stale.inc();
        return toEntry(request.key, hit);
      }
      throw error;
    }
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
      if (entry === undefined) await io('delete', () => cache.delete([cacheKey(namespace, request.key)]));
      else await state.fill(request.key, fence, entry);
      return handOut(entry, true);
    }
    const hit = await cached(request.key);
    const age = hit === undefined ? Infinity : runtime.now() - hit.storedAt;
    if (mode === 'eventual') return eventual(request, hit, age);
    if (mode === 'cache_only') {
      if (hit !== undefined && age <= config.cacheTtlMs) {
        counters.hit.inc();
        return toEntry(request.key, hit);
      }
      counters.miss.inc();
      throw new StorageError('CACHE_MISS', `no fresh cache entry for this key in namespace "${namespace}"`, { operation: 'records.get', namespace });
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
    return handOut(await readStore(request), true);
  }

  const methods: Partial<StoreMethods<RecordStore>> = {
    get,
    async put(request) {
      const result = await store.put(request);
      await state.wrote([{ key: request.key, version: result.version, etag: result.etag }]);
      return result;
    },
    async delete(request) {
      const deleted = await store.delete(request);
      await state.wrote([{ key: request.key, version: 0, etag: undefined }]);
      return deleted;
    },
    async putMany(request) {
      const results = await store.putMany!(request);
      await state.wrote(request.entries.map((entry, i) => ({ key: entry.key, version: results[i]!.version, etag: results[i]!.etag })));
      return results;
    },
    async deleteMany(request) {
      const count = await store.deleteMany!(request);
      await state.wrote(request.keys.map((key) => ({ key, version: 0, etag: undefined })));
      return count;
    },
  };
  return methods;
}
