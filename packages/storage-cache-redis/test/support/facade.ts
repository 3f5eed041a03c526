import { createNoopMetrics, createStorageClient, type AdapterFactory, type CacheLabels, type StorageClient, type StorageMetrics } from '@sanctum/storage-core';
import { createMemoryRecordStore, type RecordStore } from '@sanctum/storage-core/spi';
import { redisCache, type RedisCacheOptionsInput } from '../../src/index.js';

/** Cache results counted by `result` label, as the facade reports them. */
export type CacheCounts = Record<'hit' | 'miss' | 'stale', number>;

/** A record store whose reads can be counted and made to fail. */
export interface ControlledRecords extends RecordStore {
  reads: number;
  failReads: boolean;
}

/** Core's memory record store, with a read counter and a switch that makes reads fail. */
export function controlledRecords(inner: RecordStore = createMemoryRecordStore()): ControlledRecords {
  const store: ControlledRecords = {
    ...inner,
    kind: 'record',
    name: inner.name,
    capabilities: inner.capabilities,
    reads: 0,
    failReads: false,
    get: async (request) => {
      store.reads += 1;
      if (store.failReads) throw new Error('record store down (test)');
      return inner.get(request);
    },
    put: (request) => inner.put(request),
    delete: (request) => inner.delete(request),
    list: (request) => inner.list(request),
  };
  return store;
}

function fixedRecords(store: RecordStore): AdapterFactory {
  return {
    kind: 'record',
    name: 'test-records',
    optionsSchema: { '~standard': { version: 1, vendor: 'test', validate: (value: unknown) => ({ value }) } },
    create: () => store,
  };
}

/** Namespace settings a test may override. */
export interface NamespaceSettings {
  readonly consistency?: 'strong' | 'eventual';
  readonly stalenessBudgetMs?: number;
  readonly cacheTtlMs?: number;
  readonly staleIfErrorMs?: number;
  readonly onCacheFailure?: 'fail-open' | 'fail-closed';
}

/** A storage client with one cached record namespace `users` over `records` and a Redis cache. */
export function facadeClient(
  records: RecordStore,
  cache: RedisCacheOptionsInput,
  namespace: NamespaceSettings = {},
): { client: StorageClient; counts: CacheCounts } {
  const counts: CacheCounts = { hit: 0, miss: 0, stale: 0 };
  const metrics: StorageMetrics = {
    ...createNoopMetrics(),
    cacheRequestsTotal: { bind: (labels: CacheLabels) => ({ inc: () => void counts[labels.result]++ }) },
  };
  const client = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { records: { use: 'test-records' } },
      caches: { shared: { use: 'redis', options: { ...cache } } },
      namespaces: { users: { kind: 'record', adapter: 'records', cache: 'shared', ...namespace } },
    },
    { adapters: [fixedRecords(records), redisCache()], metrics },
  );
  return { client, counts };
}
