import { createNoopLogger, type Logger } from '@sanctum/storage-core/spi';
import { createClient } from '../connection.js';
import { toStorageError } from '../errors.js';
import { objectNames } from '../names.js';
import { resolveOptions, type PostgresRecordStoreOptions } from '../options.js';
import { readStatus, runMigrations } from './runner.js';
import type { MigrationRunResult, MigrationStatus } from './types.js';

/** Options of {@link migrateUp}. */
export interface MigrateUpOptions {
  /** Return the SQL that would run, change nothing. @default false */
  readonly dryRun?: boolean;
  /** Receives `postgres.migration.applied` events. @default no-op */
  readonly logger?: Logger;
}

async function withClient<T>(input: PostgresRecordStoreOptions, operation: string, logger: Logger, body: (client: ReturnType<typeof createClient>, names: ReturnType<typeof objectNames>) => Promise<T>): Promise<T> {
  const options = resolveOptions(input);
  // One connection is enough: migrations run one statement at a time under one lock.
  const client = createClient(options, logger, 1);
  let result: T;
  try {
    result = await body(client, objectNames(options.schema, options.table));
  } catch (error) {
    throw toStorageError(error, { operation });
  } finally {
    await client.end({ timeout: options.closeTimeoutMs / 1000 });
  }
  return result;
}

/**
 * Applies this package's pending migrations to the configured schema and table (creating the
 * schema if needed), each in its own transaction, under an advisory lock so concurrent runs apply
 * each migration once. Refuses (CONFIG_INVALID) when an applied migration was edited. With
 * `dryRun` it returns the SQL and changes nothing. For deploy steps and CLIs.
 */
export async function migrateUp(options: PostgresRecordStoreOptions, run: MigrateUpOptions = {}): Promise<MigrationRunResult> {
  const logger = run.logger ?? createNoopLogger();
  return withClient(options, 'migrations.up', logger, (client, names) =>
    runMigrations(client, names, { logger, ...(run.dryRun === undefined ? {} : { dryRun: run.dryRun }) }),
  );
}

/** Which migrations the configured schema has applied, which are pending, and which were edited. */
export async function migrationStatus(options: PostgresRecordStoreOptions): Promise<MigrationStatus> {
  return withClient(options, 'migrations.status', createNoopLogger(), (client, names) => readStatus(client, names));
}
