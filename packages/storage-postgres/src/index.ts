// Public surface of @sanctum/storage-postgres. Everything exported is listed here by name.
import { createNoopLogger, type AdapterFactory, type StandardSchemaV1 } from '@sanctum/storage-core/spi';
import { ADAPTER } from './errors.js';
import { postgresOptionsSchema, resolveOptions, type PostgresRecordStoreOptions, type ResolvedPostgresOptions } from './options.js';
import { PostgresRecords, type PostgresRecordStore } from './record-store.js';

export { migrateUp, migrationStatus } from './migrations/api.js';
export type { MigrateUpOptions } from './migrations/api.js';
export { setWormPolicy, wormPolicy } from './worm.js';
export type { WormPolicy } from './worm.js';
export type {
  AppliedMigration,
  ChangedMigration,
  MigrationInfo,
  MigrationRunResult,
  MigrationStatus,
  PlannedMigration,
} from './migrations/types.js';
export type { PostgresRecordStoreOptions, ResolvedPostgresOptions } from './options.js';
export type { PostgresRecordStore, SweepOptions } from './record-store.js';

/**
 * Creates a PostgreSQL record store from options (validated here; CONFIG_INVALID when wrong).
 * No I/O until `open()`. Use it directly for maintenance jobs (`sweepExpired`), or let the facade
 * create it through {@link postgresRecords}.
 */
export function createPostgresRecordStore(options: PostgresRecordStoreOptions, logger = createNoopLogger()): PostgresRecordStore {
  return new PostgresRecords(resolveOptions(options), logger);
}

/**
 * The factory for `use: 'postgres'` record adapters:
 * `createStorageClient(config, { adapters: [postgresRecords()] })`.
 */
export function postgresRecords(): AdapterFactory<PostgresRecordStore, ResolvedPostgresOptions> {
  return {
    kind: 'record',
    name: ADAPTER,
    dbSystem: 'postgresql',
    optionsSchema: postgresOptionsSchema as StandardSchemaV1<unknown, ResolvedPostgresOptions>,
    create: (options, context) => new PostgresRecords(options, context.logger),
  };
}

/**
 * The previous name of {@link postgresRecords}.
 * @deprecated Use `postgresRecords()`; this alias is removed in the next minor release.
 */
export const postgres: typeof postgresRecords = postgresRecords;
