import type { Tracer } from '@opentelemetry/api';
import type { Logger } from '../observability/logger.js';
import type { StorageMetrics } from '../observability/metrics.js';
import type { BlobStore, CacheStore, RecordStore, StreamStore } from '../spi/index.js';
import type { ResilienceConfig } from '../config/index.js';
import type { ChaosControl } from './chaos/chaos-control.js';
import type { SecurityContext } from '../security/context.js';
import type { KeyProvider } from '../crypto/key-provider.js';

/** What every layer may use; resolved once per client. */
export interface LayerRuntime {
  readonly logger: Logger;
  readonly metrics: StorageMetrics;
  readonly tracer: Tracer;
  /** True while `tracer` would record nothing (no SDK registered behind the API's proxy); absent: always trace. */
  readonly tracesNothing?: () => boolean;
  readonly now: () => number;
  /** Access policy, redaction and audit; absent when the client uses none of them. */
  readonly security?: SecurityContext;
  /** The runtime's key provider, for encrypted namespaces. */
  readonly keys?: KeyProvider;
}

/**
 * Present when a layer is applied to the operations of one transaction (the `tx` a record store's
 * `transaction()` hands its callback) instead of to the namespace's store.
 */
export interface TransactionScope {
  /** Runs `effect` once the transaction has committed; never after a rollback. */
  afterCommit(effect: () => Promise<void> | void): void;
}

/** What a layer knows about the namespace it wraps. */
export interface LayerContext<Config> {
  readonly namespace: string;
  readonly config: Config;
  /** The adapter's name (e.g. `postgres`), for labels and errors. */
  readonly adapter: string;
  /** Semantic system name for spans (`db.system`): the factory's `dbSystem`, else the adapter name. */
  readonly dbSystem: string;
  readonly runtime: LayerRuntime;
  /** The namespace's cache, when it has one. */
  readonly cache?: CacheStore;
  /** Set when the layer wraps a transaction's operations rather than the namespace's store. */
  readonly transaction?: TransactionScope;
  /**
   * State shared by every application of one layer to this namespace in this client (the store and
   * each transaction scope): the first call with `token` creates it, later calls return the same value.
   */
  shared<T>(token: symbol, create: () => T): T;
  /** Registers cleanup to run when the client closes (before adapters close). */
  onClose(cleanup: () => Promise<void> | void): void;
  /** The configured adapter instance behind the namespace; absent for the embedded default. */
  readonly instance?: { readonly name: string; readonly resilience: ResilienceConfig };
  /** The runtime chaos switch, when the client was given one. */
  readonly chaos?: ChaosControl;
}

/** The operations of a store: every member except its identity fields. */
export type StoreMethods<Store> = Omit<Store, 'kind' | 'name' | 'capabilities' | 'open' | 'close' | 'health'>;

/**
 * A cross-cutting concern. It receives the next store inward and returns ONLY the methods it changes;
 * every other method passes through untouched (the same function, so it costs nothing). A method the
 * next store lacks stays absent even if the layer defines it. Returning `undefined` leaves the layer
 * out of the chain for this namespace. A layer that returns a whole store (the older form) also works.
 */
export type Layer<Store, Config> = (next: Store, context: LayerContext<Config>) => Partial<StoreMethods<Store>> | Store | undefined;

/** The operation names of each store kind that layers can change, in no particular order. */
export const LAYERED_METHODS = {
  record: ['get', 'put', 'delete', 'list', 'getMany', 'putMany', 'deleteMany', 'transaction'],
  blob: ['put', 'get', 'head', 'delete', 'list', 'presign'],
  stream: ['publish', 'subscribe'],
} as const satisfies Readonly<Record<'record' | 'blob' | 'stream', readonly string[]>>;

type Layerable = RecordStore | BlobStore | StreamStore;
type MethodTable = Record<string, ((...args: never[]) => unknown) | undefined>;

/** `store` as a plain object whose methods need no `this` (class-based adapters are bound once). */
export function plainStore<Store extends Layerable>(store: Store): Store {
  if (Object.getPrototypeOf(store) === Object.prototype) return store;
  const view: Record<string, unknown> = { kind: store.kind, name: store.name, capabilities: store.capabilities };
  for (const method of LAYERED_METHODS[store.kind]) {
    const fn = (store as unknown as MethodTable)[method];
    if (typeof fn === 'function') view[method] = fn.bind(store);
  }
  return view as Store;
}

/** One layer applied on top of `next`: its methods where it has them, `next`'s everywhere else. */
export function applyLayer<Store extends Layerable, Config>(next: Store, layer: Layer<Store, Config>, context: LayerContext<Config>): Store {
  const changed = layer(next, context) as MethodTable | undefined;
  if (changed === undefined) return next;
  const out: Record<string, unknown> = { kind: next.kind, name: next.name, capabilities: next.capabilities };
  const below = next as unknown as MethodTable;
  for (const method of LAYERED_METHODS[next.kind]) {
    const inner = below[method];
    if (typeof inner !== 'function') continue;
    out[method] = changed[method] ?? inner;
  }
  return out as Store;
}

/** Applies layers listed outermost first; the adapter ends up innermost. */
export function composeLayers<Store extends Layerable, Config>(
  adapter: Store,
  layers: ReadonlyArray<Layer<Store, Config>>,
  context: LayerContext<Config>,
): Store {
  let store = plainStore(adapter);
  for (let i = layers.length - 1; i >= 0; i--) store = applyLayer(store, layers[i]!, context);
  return store;
}
