import type { Tracer } from '@opentelemetry/api';
import type { Logger } from '../observability/logger.js';
import type { StorageMetrics } from '../observability/metrics.js';
import type { CacheStore } from '../spi/index.js';
import type { ResilienceConfig } from '../config/index.js';
import type { ChaosControl } from './chaos/chaos-control.js';

/** What every layer may use; resolved once per client. */
export interface LayerRuntime {
  readonly logger: Logger;
  readonly metrics: StorageMetrics;
  readonly tracer: Tracer;
  readonly now: () => number;
}

/** What a layer knows about the namespace it wraps. */
export interface LayerContext<Config> {
  readonly namespace: string;
  readonly config: Config;
  /** The adapter's name (e.g. `postgres`), for labels and errors. */
  readonly adapter: string;
  /** Optional semantic system name for spans (`db.system`). */
  readonly dbSystem: string;
  readonly runtime: LayerRuntime;
  /** The namespace's cache, when it has one. */
  readonly cache?: CacheStore;
  /** The configured adapter instance behind the namespace; absent for the embedded default. */
  readonly instance?: { readonly name: string; readonly resilience: ResilienceConfig };
  /** The runtime chaos switch, when the client was given one. */
  readonly chaos?: ChaosControl;
}

/**
 * A cross-cutting concern: wraps a store in another of the same interface, or returns `undefined`
 * when the namespace's config does not ask for it (so an absent layer costs nothing).
 */
export type Layer<Store, Config> = (store: Store, context: LayerContext<Config>) => Store | undefined;

/** Applies layers listed outermost first; the adapter ends up innermost. */
export function composeLayers<Store, Config>(
  adapter: Store,
  layers: ReadonlyArray<Layer<Store, Config>>,
  context: LayerContext<Config>,
): Store {
  let store = adapter;
  for (let i = layers.length - 1; i >= 0; i--) {
    store = layers[i]!(store, context) ?? store;
  }
  return store;
}
