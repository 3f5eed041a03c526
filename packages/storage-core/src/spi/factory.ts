import type { StandardSchemaV1 } from '../types/index.js';
import type { BlobStore } from './blob-store.js';
import type { CacheStore } from './cache-store.js';
import type { RecordStore } from './record-store.js';
import type { StreamStore } from './stream-store.js';
import type { Logger } from '../observability/logger.js';

/** Any store an adapter factory can create. */
export type AnyStore = BlobStore | RecordStore | StreamStore | CacheStore;

/** What core hands an adapter when creating it. */
export interface AdapterContext {
  /** The config key of this adapter instance, e.g. `pg`. */
  readonly instanceName: string;
  readonly logger: Logger;
}

/**
 * What an adapter package exports (through a function such as `postgresRecords()`): a description
 * core uses to validate the config's `options` and to create the store lazily.
 */
export interface AdapterFactory<Store extends AnyStore = AnyStore, Options = unknown> {
  readonly kind: Store['kind'];
  /** Matched against `use` in the config, e.g. `postgres`. */
  readonly name: string;
  /**
   * The OpenTelemetry `db.system` value for this adapter's spans (e.g. `postgresql`, `redis`).
   * @default the adapter's `name`
   */
  readonly dbSystem?: string;
  /** Validates and defaults the config's `options`. */
  readonly optionsSchema: StandardSchemaV1<unknown, Options>;
  create(options: Options, context: AdapterContext): Store;
}

/** Identity helper that keeps a factory's option type precise. */
export function defineAdapter<Store extends AnyStore, Options>(
  factory: AdapterFactory<Store, Options>,
): AdapterFactory<Store, Options> {
  return factory;
}
