import { trace } from '@opentelemetry/api';
import { StorageError } from '../errors/index.js';
import { parseConfig, type NamespaceConfig, type StorageConfig } from '../config/index.js';
import type { BlobStore, CacheStore, RecordStore, StreamStore } from '../spi/index.js';
import type { HealthReport, JsonValue, StoreKind } from '../types/index.js';
import { createNoopLogger } from '../observability/logger.js';
import { createNoopMetrics } from '../observability/metrics.js';
import { composeLayers, type LayerContext, type LayerRuntime } from '../layers/layer.js';
import { BLOB_LAYERS, RECORD_LAYERS, STREAM_LAYERS } from '../layers/pipeline.js';
import { assertValidKey } from '../layers/validate/keys.js';
import { EMBEDDED_INSTANCE, createAdapterInstances, type AdapterInstance } from './adapter-registry.js';
import { createBlobCollection } from './blob-collection.js';
import { createRecordCollection, type TransactionPeer } from './record-collection.js';
import { createStreamTopic } from './stream-topic.js';
import type { BlobCollection, ClientHealth, RecordCollection, StorageClient, StorageRuntime, StreamTopic } from './types.js';

const DB_SYSTEMS: Readonly<Record<string, string>> = { postgres: 'postgresql', s3: 's3', 'redis-streams': 'redis', kafka: 'kafka' };
const ACCESSOR: Readonly<Record<Exclude<StoreKind, 'cache'>, string>> = { record: 'records', blob: 'blobs', stream: 'streams' };

/**
 * Builds the facade. `config` is data (validated here; every problem reported at once as
 * CONFIG_INVALID); `runtime` holds code. No I/O happens until the first operation of a namespace.
 */
export function createStorageClient(config: unknown, runtime: StorageRuntime = {}): StorageClient {
  const parsed: StorageConfig = parseConfig(config);
  const layerRuntime: LayerRuntime = {
    logger: runtime.logger ?? createNoopLogger(),
    metrics: runtime.metrics ?? createNoopMetrics(),
    tracer: runtime.tracer ?? trace.getTracer('@sanctum/storage', '0.1.0'),
    now: runtime.now ?? Date.now,
  };
  const instances = createAdapterInstances(parsed, runtime.adapters ?? [], layerRuntime.logger);
  const handles = new Map<string, unknown>();
  let closed: Promise<void> | undefined;

  function namespaceOf<K extends NamespaceConfig['kind']>(name: string, kind: K): Extract<NamespaceConfig, { kind: K }> {
    if (closed !== undefined) {
      throw new StorageError('UNAVAILABLE', 'storage client is closed', { namespace: name, retryable: false });
    }
    const ns = Object.hasOwn(parsed.namespaces, name) ? parsed.namespaces[name] : undefined;
    if (ns === undefined) {
      const known = Object.entries(parsed.namespaces)
        .filter(([, c]) => c.kind === kind)
        .map(([n]) => n);
      throw new StorageError('INVALID_ARGUMENT', `unknown ${kind} namespace "${name}" (configured: ${known.length ? known.join(', ') : 'none'})`, {
        namespace: name,
        details: { field: 'namespace' },
      });
    }
    if (ns.kind !== kind) {
      throw new StorageError(
        'INVALID_ARGUMENT',
        `namespace "${name}" is a ${ns.kind} namespace; use client.${ACCESSOR[ns.kind]}("${name}") instead of client.${ACCESSOR[kind]}()`,
        { namespace: name, details: { field: 'namespace' } },
      );
    }
    return ns as Extract<NamespaceConfig, { kind: K }>;
  }

  function instanceOf<S>(kind: StoreKind, name: string | undefined): AdapterInstance & { store: S } {
    return instances.get(`${kind}:${name ?? EMBEDDED_INSTANCE}`) as AdapterInstance & { store: S };
  }

  function contextFor<C extends NamespaceConfig>(namespace: string, config: C, store: { name: string }, cache?: CacheStore): LayerContext<C> {
    return {
      namespace,
      config,
      adapter: store.name,
      dbSystem: DB_SYSTEMS[store.name] ?? store.name,
      runtime: layerRuntime,
      ...(cache === undefined ? {} : { cache }),
      ...instanceOfNamespace(config),
      ...(runtime.chaos === undefined ? {} : { chaos: runtime.chaos }),
    };
  }

  // The configured adapter instance (name + resilience section) behind a namespace, for the resilience layer.
  function instanceOfNamespace(config: NamespaceConfig): Pick<LayerContext<unknown>, 'instance'> {
    const entry = config.adapter === undefined ? undefined : parsed.adapters[config.adapter];
    return entry === undefined || config.adapter === undefined ? {} : { instance: { name: config.adapter, resilience: entry.resilience } };
  }

  function memo<T>(key: string, build: () => T): T {
    let handle = handles.get(key) as T | undefined;
    if (handle === undefined) {
      handle = build();
      handles.set(key, handle);
    }
    return handle;
  }

  const transactionPeer =
    (adapterName: string | undefined): TransactionPeer =>
    (other) => {
      const ns = namespaceOf(other, 'record');
      if (ns.adapter !== adapterName) {
        throw new StorageError('INVALID_ARGUMENT', `namespace "${other}" uses another adapter instance; a transaction spans one adapter instance only`, {
          namespace: other,
          details: { field: 'namespace' },
        });
      }
      return { namespace: other, check: (key) => assertValidKey(key, ns.maxKeyBytes, { operation: 'records.transaction', namespace: other }) };
    };

  return {
    records<T extends JsonValue = JsonValue>(namespace: string): RecordCollection<T> {
      const ns = namespaceOf(namespace, 'record');
      return memo(`record:${namespace}`, () => {
        const adapter = instanceOf<RecordStore>('record', ns.adapter).store;
        const cache = ns.cache === undefined ? undefined : instanceOf<CacheStore>('cache', ns.cache).store;
        const store = composeLayers(adapter, RECORD_LAYERS, contextFor(namespace, ns, adapter, cache));
        return createRecordCollection<T>(namespace, store, transactionPeer(ns.adapter));
      });
    },
    blobs(namespace: string): BlobCollection {
      const ns = namespaceOf(namespace, 'blob');
      return memo(`blob:${namespace}`, () => {
        const adapter = instanceOf<BlobStore>('blob', ns.adapter).store;
        const store = composeLayers(adapter, BLOB_LAYERS, contextFor(namespace, ns, adapter));
        return createBlobCollection(namespace, store, ns.acl);
      });
    },
    streams<T extends JsonValue = JsonValue>(namespace: string): StreamTopic<T> {
      const ns = namespaceOf(namespace, 'stream');
      return memo(`stream:${namespace}`, () => {
        const adapter = instanceOf<StreamStore>('stream', ns.adapter).store;
        const store = composeLayers(adapter, STREAM_LAYERS, contextFor(namespace, ns, adapter));
        return createStreamTopic<T>(namespace, store, ns);
      });
    },
    async health(): Promise<ClientHealth> {
      const reports: Record<string, HealthReport> = {};
      await Promise.all(
        [...instances.entries()].map(async ([id, instance]) => {
          const started = performance.now();
          try {
            await instance.lifecycle.open();
            const store = instance.lifecycle.store;
            reports[id] = store.health ? await store.health() : { ok: true, latencyMs: performance.now() - started };
          } catch (error) {
            reports[id] = {
              ok: false,
              latencyMs: performance.now() - started,
              details: { code: error instanceof StorageError ? error.code : 'UNAVAILABLE', message: error instanceof Error ? error.message : String(error) },
            };
          }
        }),
      );
      return { ok: Object.values(reports).every((r) => r.ok), adapters: reports };
    },
    close(): Promise<void> {
      closed ??= Promise.allSettled([...instances.values()].map((instance) => instance.lifecycle.close())).then((results) => {
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed.length > 0) {
          throw new StorageError('UNAVAILABLE', `${failed.length} adapter(s) failed to close cleanly`, { cause: failed[0]!.reason });
        }
      });
      return closed;
    },
  };
}
