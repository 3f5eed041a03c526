// Public surface of the SQLite record store example. Everything exported is listed here by name.
import { defineAdapter, type AdapterFactory, type StandardSchemaV1 } from './spi.js';
import { ADAPTER } from './errors.js';
import { resolveOptions, sqliteRecordOptionsSchema, type ResolvedSqliteRecordOptions, type SqliteRecordStoreOptions } from './options.js';
import { createStore, type SqliteRecordStore } from './record-store.js';

export type { SqliteRecordStore } from './record-store.js';
export type { SqliteRecordStoreOptions, ResolvedSqliteRecordOptions } from './options.js';

/** Creates an unopened SQLite record store; throws CONFIG_INVALID for bad options. */
export function createSqliteRecordStore(options: SqliteRecordStoreOptions): SqliteRecordStore {
  return createStore(resolveOptions(options));
}

/** The adapter factory for `runtime.adapters`; configure instances with `use: 'sqlite'`. */
export function sqliteRecords(): AdapterFactory<SqliteRecordStore, ResolvedSqliteRecordOptions> {
  return defineAdapter<SqliteRecordStore, ResolvedSqliteRecordOptions>({
    kind: 'record',
    name: ADAPTER,
    optionsSchema: sqliteRecordOptionsSchema as StandardSchemaV1<unknown, ResolvedSqliteRecordOptions>,
    create: (options) => createStore(options),
  });
}
