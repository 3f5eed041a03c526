import { StorageError } from '../errors/index.js';
import { parseConfig, type NamespaceConfig, type RecordNamespaceConfig, type StorageConfig } from '../config/index.js';
import type { BlobStore, CacheStore, RecordStore, StreamStore } from '../spi/index.js';
import type { HealthReport, Principal, StoreKind } from '../types/index.js';
import { SYSTEM_PRINCIPAL } from '../security/context.js';
import { resolveSecurity } from '../security/resolve.js';
import { composeLayers, type LayerContext, type LayerRuntime } from '../layers/layer.js';
import { layersOf } from '../layers/pipeline.js';
import { EMBEDDED_INSTANCE, createAdapterInstances, type AdapterInstance } from './adapter-registry.js';
import { createBlobCollection } from './blob-collection.js';
import { resolveLayerRuntime } from './layer-runtime.js';
import { createRecordCollection, type TransactionPeer } from './record-collection.js';
import { createStreamTopic } from './stream-topic.js';
import { withLayeredTransactions } from './transaction-stack.js';
import { checkUserLayers } from './user-layers.js';
import type { BlobCollection, ClientHealth, RecordCollection, RecordCollectionOptions, ScopedStorage, StorageClient, StorageRuntime, StreamTopic } from './types.js';
import { sealedCacheFor } from '../layers/encryption/sealed-cache.js';
import { namespaceKeys } from '../layers/encryption/namespace-keys.js';
import { rotateNamespace, type RotateKeysOptions, type RotationReport } from '../layers/encryption/rotate.js';
import { eraseSubject, type EraseReport, type EraseSubjectOptions, type EraseTarget } from '../layers/encryption/erase.js';
import { cacheKey } from '../layers/cache/cache-key.js';
import { createOutboxHandle } from '../outbox/outbox-handle.js';
import type { Outbox } from '../outbox/outbox-handle.js';

const ACCESSOR: Readonly<Record<Exclude<StoreKind, 'cache'>, string>> = { record: 'records', blob: 'blobs', stream: 'streams' };

/**
 * Builds the facade. `config` is data (validated here; every problem reported at once as
 * CONFIG_INVALID); `runtime` holds code. No I/O happens until the first operation of a namespace.
 */
export function createStorageClient(config: unknown, runtime: StorageRuntime = {}): StorageClient {
  const parsed: StorageConfig = parseConfig(config);
  const userLayers = checkUserLayers(runtime.layers);
  const baseRuntime: LayerRuntime = resolveLayerRuntime(parsed, runtime);
  const securityConfigured = runtime.security !== undefined || (typeof config === 'object' && config !== null && 'security' in config);
  // The durable audit sink writes through the facade's own records, as the system principal.
  const security = resolveSecurity(parsed, runtime.security, securityConfigured, baseRuntime.logger, (namespace) => ({
    put: (key, value, options) => recordStore(namespace).put({ namespace, key, value, ...options, principal: SYSTEM_PRINCIPAL }),
  }));
  const layerRuntime: LayerRuntime = securityConfigured ? { ...baseRuntime, security } : baseRuntime;
  const instances = createAdapterInstances(parsed, runtime.adapters ?? [], layerRuntime.logger);
  // An encrypted namespace without a (suitable) key provider fails here, not at its first operation.
  for (const [name, ns] of Object.entries(parsed.namespaces)) if (ns.encryption !== undefined) namespaceKeys(name, ns.encryption, runtime.keys);
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
      const configured = cacheName === undefined ? undefined : instanceOf<CacheStore>('cache', cacheName).store;
      // A shared cache of an encrypted namespace sees sealed values only (ADR-020).
      const cache = configured === undefined ? undefined : sealedCacheFor(configured, namespace, config.encryption, runtime.keys);
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

  function recordStore(namespace: string): RecordStore {
    const ns = namespaceOf(namespace, 'record');
    return memo(`record:${namespace}`, () => {
      const adapter = withLayeredTransactions(instanceOf<RecordStore>('record', ns.adapter).store, transactionStack);
      return composeLayers(adapter, recordLayers, contextOf(namespace, ns));
    });
  }

  /** Checks, inside `tx.streams(name)`, that the outbox's target is a configured stream namespace. */
  const streamPeer = (stream: string): void => void namespaceOf(stream, 'stream');

  function records<T>(namespace: string, options: RecordCollectionOptions | undefined, principal: Principal | undefined): RecordCollection<T> {
    const ns = namespaceOf(namespace, 'record');
    const store = recordStore(namespace);
    const schema = options?.schema;
    if (schema !== undefined && typeof schema['~standard']?.validate !== 'function') {
      throw new StorageError('INVALID_ARGUMENT', 'options.schema must be a Standard Schema (zod 3.24+, valibot 1, arktype 2, …)', {
        namespace,
        details: { field: 'schema' },
      });
    }
    // Without a schema or principal the handle is memoized; otherwise it is a thin wrapper made per call.
    return schema === undefined && principal === undefined
      ? memo(`record-handle:${namespace}`, () => createRecordCollection<T>(namespace, store, transactionPeer(ns.adapter), undefined, undefined, streamPeer))
      : createRecordCollection<T>(namespace, store, transactionPeer(ns.adapter), schema, principal, streamPeer);
  }

  function blobs(namespace: string, principal: Principal | undefined): BlobCollection {
    const ns = namespaceOf(namespace, 'blob');
    const store = memo(`blob-store:${namespace}`, () => composeLayers(instanceOf<BlobStore>('blob', ns.adapter).store, blobLayers, contextOf(namespace, ns)));
    return principal === undefined
      ? memo(`blob:${namespace}`, () => createBlobCollection(namespace, store, ns.acl))
      : createBlobCollection(namespace, store, ns.acl, principal);
  }

  function streams<T>(namespace: string, principal: Principal | undefined): StreamTopic<T> {
    const ns = namespaceOf(namespace, 'stream');
    const store = memo(`stream-store:${namespace}`, () => composeLayers(instanceOf<StreamStore>('stream', ns.adapter).store, streamLayers, contextOf(namespace, ns)));
    const scope = { redactor: securityConfigured ? security.redactor : undefined, principal };
    return principal === undefined
      ? memo(`stream:${namespace}`, () => createStreamTopic<T>(namespace, store, ns, scope))
      : createStreamTopic<T>(namespace, store, ns, scope);
  }

  return {
    records<T>(namespace: string, options?: RecordCollectionOptions): RecordCollection<T> {
      return records<T>(namespace, options, undefined);
    },
    blobs(namespace: string): BlobCollection {
      return blobs(namespace, undefined);
    },
    streams<T>(namespace: string): StreamTopic<T> {
      return streams<T>(namespace, undefined);
    },
    as(principal: Principal): ScopedStorage {
      if (typeof principal !== 'object' || principal === null || typeof principal.id !== 'string' || principal.id === '') {
        throw new StorageError('INVALID_ARGUMENT', 'as(principal) needs a principal object with a non-empty string id (and optional tenant, roles)', {
          details: { field: 'principal' },
        });
      }
      return {
        principal,
        records: <T>(namespace: string, options?: RecordCollectionOptions) => records<T>(namespace, options, principal),
        blobs: (namespace: string) => blobs(namespace, principal),
        streams: <T>(namespace: string) => streams<T>(namespace, principal),
      } as ScopedStorage;
    },
    async audit(event) {
      if (closed !== undefined) throw new StorageError('UNAVAILABLE', 'storage client is closed', { retryable: false });
      await security.auditor.emit(event, 'fail-closed');
    },
    async rotateKeys(namespace: string, options?: RotateKeysOptions): Promise<RotationReport> {
      const ns = Object.hasOwn(parsed.namespaces, namespace) ? parsed.namespaces[namespace] : undefined;
      if (ns === undefined || ns.kind === 'stream' || ns.encryption === undefined) {
        throw new StorageError('INVALID_ARGUMENT', `namespace "${namespace}" is not an encrypted record or blob namespace; only those have data keys to re-wrap (stream messages keep the key they were published with)`, {
          namespace,
          operation: 'keys.rotate',
          details: { field: 'namespace' },
        });
      }
      const base = { namespace, toKeyId: ns.encryption.keyId, provider: runtime.keys!, now: layerRuntime.now };
      if (ns.kind === 'blob') return rotateNamespace({ ...base, blobs: instanceOf<BlobStore>('blob', ns.adapter).store }, options);
      const cache = contextOf(namespace, namespaceOf(namespace, 'record')).cache;
      const purge = cache === undefined ? undefined : async (keys: readonly string[]) => {
        const physical = keys.map((key) => cacheKey(namespace, key));
        await cache.delete(physical);
        await cache.publishInvalidation?.(physical);
      };
      return rotateNamespace({ ...base, records: instanceOf<RecordStore>('record', ns.adapter).store, ...(purge === undefined ? {} : { purge }) }, options);
    },
    async eraseSubject(subjectId: string, options?: EraseSubjectOptions): Promise<EraseReport> {
      const targets: EraseTarget[] = [];
      for (const [name, ns] of Object.entries(parsed.namespaces)) {
        const segment = ns.encryption?.subjectSegment;
        if (segment === undefined) continue;
        if (ns.kind === 'record') {
          const records = this.records(name);
          targets.push({ namespace: name, subjectSegment: segment, records: { raw: instanceOf<RecordStore>('record', ns.adapter).store, delete: (key) => records.delete(key) } });
        } else if (ns.kind === 'blob') {
          const blobs = this.blobs(name);
          targets.push({ namespace: name, subjectSegment: segment, blobs: { raw: instanceOf<BlobStore>('blob', ns.adapter).store, delete: (key) => blobs.delete(key) } });
        }
      }
      if (runtime.keys === undefined) {
        throw new StorageError('CONFIG_INVALID', 'eraseSubject needs runtime.keys (the key provider holding subject keys)', { operation: 'keys.eraseSubject' });
      }
      return eraseSubject(subjectId, targets, runtime.keys, options);
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
