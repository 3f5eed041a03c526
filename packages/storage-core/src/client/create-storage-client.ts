import { StorageError } from '../errors/index.js';
import { parseConfig, type NamespaceConfig, type RecordNamespaceConfig, type StorageConfig } from '../config/index.js';
import type { BlobStore, CacheStore, RecordStore, StreamStore } from '../spi/index.js';
import type { HealthReport, StoreKind } from '../types/index.js';
import { composeLayers, type LayerContext, type LayerRuntime } from '../layers/layer.js';
import { layersOf } from '../layers/pipeline.js';
import { EMBEDDED_INSTANCE, createAdapterInstances, type AdapterInstance } from './adapter-registry.js';
import { createBlobCollection } from './blob-collection.js';
import { resolveLayerRuntime } from './layer-runtime.js';
import { createRecordCollection, type TransactionPeer } from './record-collection.js';
import { createStreamTopic } from './stream-topic.js';
import { withLayeredTransactions } from './transaction-stack.js';
import { checkUserLayers } from './user-layers.js';
import { createOutboxHandle } from '../outbox/outbox-handle.js';
import type { Outbox } from '../outbox/outbox-handle.js';
import type { BlobCollection, ClientHealth, RecordCollection, RecordCollectionOptions, StorageClient, StorageRuntime, StreamTopic } from './types.js';

const ACCESSOR: Readonly<Record<Exclude<StoreKind, 'cache'>, string>> = { record: 'records', blob: 'blobs', stream: 'streams' };

/**
 * Builds the facade. `config` is data (validated here; every problem reported at once as
 * CONFIG_INVALID); `runtime` holds code. No I/O happens until the first operation of a namespace.
 */
export function createStorageClient(config: unknown, runtime: StorageRuntime = {}): StorageClient {
  const parsed: StorageConfig = parseConfig(config);
  const userLayers = checkUserLayers(runtime.layers);
  const layerRuntime: LayerRuntime = resolveLayerRuntime(parsed, runtime);
  const instances = createAdapterInstances(parsed, runtime.adapters ?? [], layerRuntime.logger);
  const handles = new Map<string, unknown>();
  const contexts = new Map<string, LayerContext<NamespaceConfig>>();
  const cleanups: Array<() => Promise<void> | void> = [];
  const recordLayers = layersOf('record', userLayers);
  const blobLayers = layersOf('blob', userLayers);
  const streamLayers = layersOf('stream', userLayers);
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

  /** One context per namespace, shared by its store and every transaction scope. */
  function contextOf<C extends NamespaceConfig>(namespace: string, config: C): LayerContext<C> {
    let context = contexts.get(namespace);
    if (context === undefined) {
      const instance = instanceOf<{ name: string }>(config.kind, config.adapter);
      const cacheName = config.kind === 'record' ? config.cache : undefined;
      const cache = cacheName === undefined ? undefined : instanceOf<CacheStore>('cache', cacheName).store;
      const state = new Map<symbol, unknown>();
      context = {
        namespace,
        config,
        adapter: instance.store.name,
        dbSystem: instance.dbSystem,
        runtime: layerRuntime,
        ...(cache === undefined ? {} : { cache }),
        ...instanceOfNamespace(config),
        ...(runtime.chaos === undefined ? {} : { chaos: runtime.chaos }),
        shared<T>(token: symbol, create: () => T): T {
          if (!state.has(token)) state.set(token, create());
          return state.get(token) as T;
        },
        onClose(cleanup) {
          cleanups.push(cleanup);
        },
      };
      contexts.set(namespace, context);
    }
    return context as LayerContext<C>;
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
      return other;
    };

  /** A record namespace's layers over a transaction's operations (same layers as its store). */
  function transactionStack(namespace: string, base: RecordStore, scope: LayerContext<RecordNamespaceConfig>['transaction']): RecordStore {
    const context = contextOf(namespace, namespaceOf(namespace, 'record'));
    return composeLayers(base, recordLayers, { ...context, ...(scope === undefined ? {} : { transaction: scope }) });
  }

  return {
    records<T>(namespace: string, options?: RecordCollectionOptions): RecordCollection<T> {
      const ns = namespaceOf(namespace, 'record');
      const store = memo(`record:${namespace}`, () => {
        const adapter = withLayeredTransactions(instanceOf<RecordStore>('record', ns.adapter).store, transactionStack);
        return composeLayers(adapter, recordLayers, contextOf(namespace, ns));
      });
      const schema = options?.schema;
      if (schema !== undefined && typeof schema['~standard']?.validate !== 'function') {
        throw new StorageError('INVALID_ARGUMENT', 'options.schema must be a Standard Schema (zod 3.24+, valibot 1, arktype 2, …)', {
          namespace,
          details: { field: 'schema' },
        });
      }
      // Without a schema the handle is memoized; with one it is a thin wrapper made per call.
      const streamPeer = (stream: string): void => void namespaceOf(stream, 'stream');
      return schema === undefined
        ? memo(`record-handle:${namespace}`, () => createRecordCollection<T>(namespace, store, transactionPeer(ns.adapter), undefined, streamPeer))
        : createRecordCollection<T>(namespace, store, transactionPeer(ns.adapter), schema, streamPeer);
    },
    blobs(namespace: string): BlobCollection {
      const ns = namespaceOf(namespace, 'blob');
      return memo(`blob:${namespace}`, () => {
        const adapter = instanceOf<BlobStore>('blob', ns.adapter).store;
        const store = composeLayers(adapter, blobLayers, contextOf(namespace, ns));
        return createBlobCollection(namespace, store, ns.acl);
      });
    },
    streams<T>(namespace: string): StreamTopic<T> {
      const ns = namespaceOf(namespace, 'stream');
      return memo(`stream:${namespace}`, () => {
        const adapter = instanceOf<StreamStore>('stream', ns.adapter).store;
        const store = composeLayers(adapter, streamLayers, contextOf(namespace, ns));
        return createStreamTopic<T>(namespace, store, ns);
      });
    },
    outbox(adapter: string): Outbox {
      if (closed !== undefined) throw new StorageError('UNAVAILABLE', 'storage client is closed', { operation: 'outbox', retryable: false });
      return memo(`outbox:${String(adapter)}`, () => {
        const instance = typeof adapter === 'string' ? instances.get(`record:${adapter}`) : undefined;
        if (instance === undefined) {
          const known = [...instances.keys()].filter((id) => id.startsWith('record:')).map((id) => id.slice('record:'.length));
          throw new StorageError('INVALID_ARGUMENT', `no record adapter instance "${String(adapter)}" is used by this client's namespaces (record adapters: ${known.length ? known.join(', ') : 'none'})`, {
            operation: 'outbox',
            details: { field: 'adapter' },
          });
        }
        return createOutboxHandle(adapter, instance, layerRuntime);
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
      closed ??= Promise.allSettled(cleanups.map(async (cleanup) => cleanup()))
        .then(() => Promise.allSettled([...instances.values()].map((instance) => instance.lifecycle.close())))
        .then((results) => {
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed.length > 0) {
          throw new StorageError('UNAVAILABLE', `${failed.length} adapter(s) failed to close cleanly`, { cause: failed[0]!.reason });
        }
      });
      return closed;
    },
  };
}
