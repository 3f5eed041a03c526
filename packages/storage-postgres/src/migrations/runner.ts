import type { Logger } from '@sanctum/storage-core/spi';
import type { Client } from '../connection.js';
import { adapterError } from '../errors.js';
import type { ObjectNames } from '../names.js';
import { MIGRATIONS, checksumOf, infoOf, plan, quoteIdent } from './catalog.js';
import type { AppliedMigration, ChangedMigration, MigrationRunResult, MigrationSource, MigrationStatus, PlannedMigration } from './types.js';

interface HistoryRow {
  readonly id: number;
  readonly name: string;
  readonly checksum: string;
  readonly applied_at: Date;
}

function historyTable(names: ObjectNames): string {
  return `${quoteIdent(names.schema)}.${quoteIdent(names.migrations)}`;
}

/** Creates the schema and the history table; idempotent, run under the advisory lock. */
function bootstrapSql(names: ObjectNames): string {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(names.schema)};`,
    `CREATE TABLE IF NOT EXISTS ${historyTable(names)} (
  id         integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);`,
  ].join('\n');
}

function recordSql(names: ObjectNames, migration: PlannedMigration): string {
  const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
  return `INSERT INTO ${historyTable(names)} (id, name, checksum) VALUES (${String(migration.id)}, ${literal(migration.name)}, ${literal(migration.checksum)});`;
}

// One lock per (schema, table): two stores on different tables migrate independently.
function lockKey(names: ObjectNames): string {
  return `sanctum-storage-postgres:${names.schema}.${names.table}`;
}

async function readHistory(client: Pick<Client, 'unsafe'>, names: ObjectNames): Promise<HistoryRow[]> {
  try {
    return await client.unsafe<HistoryRow[]>(`select id, name, checksum, applied_at from ${historyTable(names)} order by id`);
  } catch (error) {
    // No schema or no history table yet: nothing is applied.
    const code = (error as { code?: unknown }).code;
    if (code === '42P01' || code === '3F000') return [];
    throw error;
  }
}

/** Compares a database's history with `migrations`. */
export function compareHistory(history: readonly HistoryRow[], migrations: readonly MigrationSource[] = MIGRATIONS): MigrationStatus {
  const known = new Map(migrations.map((source) => [source.id, source]));
  const appliedIds = new Set(history.map((row) => row.id));
  const applied: AppliedMigration[] = [];
  const changed: ChangedMigration[] = [];
  const unknown: AppliedMigration[] = [];
  for (const row of history) {
    const entry: AppliedMigration = { id: row.id, name: row.name, checksum: row.checksum, appliedAt: row.applied_at };
    const source = known.get(row.id);
    if (source === undefined) {
      unknown.push(entry);
      continue;
    }
    applied.push(entry);
    const current = checksumOf(source);
    if (current !== row.checksum) changed.push({ id: row.id, name: source.name, applied: row.checksum, current });
  }
  const pending = migrations.filter((source) => !appliedIds.has(source.id)).map(infoOf);
  return { current: pending.length === 0 && changed.length === 0, applied, pending, changed, unknown };
}

/** CONFIG_INVALID when an applied migration was edited: forward-only means add, never change. */
export function assertUnchanged(status: MigrationStatus, operation: string): void {
  if (status.changed.length === 0) return;
  const list = status.changed.map((m) => `${String(m.id)} (${m.name})`).join(', ');
  throw adapterError(
    'CONFIG_INVALID',
    `applied migration ${list} differs from this package's copy (checksum mismatch); migrations are forward-only: restore it and add a new one`,
    { operation },
    { migrations: status.changed.map((m) => ({ id: m.id, name: m.name, applied: m.applied, current: m.current })) },
  );
}

/** Where the database stands. */
export async function readStatus(client: Client, names: ObjectNames, migrations: readonly MigrationSource[] = MIGRATIONS): Promise<MigrationStatus> {
  return compareHistory(await readHistory(client, names), migrations);
}

/**
 * Applies pending migrations, each in its own transaction, under a session advisory lock: two
 * processes starting together apply each migration once (the second waits, then finds nothing
 * to do). With `dryRun` it only returns the SQL it would run.
 */
export async function runMigrations(
  client: Client,
  names: ObjectNames,
  options: { readonly dryRun?: boolean; readonly logger?: Logger; readonly migrations?: readonly MigrationSource[] } = {},
): Promise<MigrationRunResult> {
  const migrations = options.migrations ?? MIGRATIONS;
  const before = await readStatus(client, names, migrations);
  assertUnchanged(before, 'migrations.up');
  const planned = (status: MigrationStatus) =>
    status.pending.map((info) => plan(migrations.find((source) => source.id === info.id)!, names));
  const script = (list: readonly PlannedMigration[]) =>
    [bootstrapSql(names), ...list.flatMap((m) => [`-- ${String(m.id)} ${m.name}\nBEGIN;`, m.sql, recordSql(names, m), 'COMMIT;'])].join('\n\n');
  if (options.dryRun === true) {
    const list = planned(before);
    return { dryRun: true, migrations: list, script: script(list) };
  }
  if (before.pending.length === 0) return { dryRun: false, migrations: [], script: '' };

  const connection = await client.reserve();
  try {
    await connection.unsafe('select pg_advisory_lock(hashtextextended($1, 0))', [lockKey(names)]);
    try {
      await connection.unsafe(bootstrapSql(names));
      // Re-read under the lock: another process may have applied some or all meanwhile.
      const now = compareHistory(await readHistory(connection, names), migrations);
      assertUnchanged(now, 'migrations.up');
      const list = planned(now);
      for (const migration of list) {
        await connection.unsafe('begin');
        try {
          await connection.unsafe(migration.sql);
          await connection.unsafe(recordSql(names, migration));
          await connection.unsafe('commit');
        } catch (error) {
          await connection.unsafe('rollback').catch(() => undefined);
          throw error;
        }
        options.logger?.log({ event: 'postgres.migration.applied', level: 'info', id: migration.id, name: migration.name, schema: names.schema });
      }
      return { dryRun: false, migrations: list, script: script(list) };
    } finally {
      await connection.unsafe('select pg_advisory_unlock(hashtextextended($1, 0))', [lockKey(names)]).catch(() => undefined);
    }
  } finally {
    connection.release();
  }
}

/** Fails `open()` in manual mode when the database is behind or was edited. */
export async function assertMigrated(client: Client, names: ObjectNames): Promise<void> {
  const status = await readStatus(client, names);
  assertUnchanged(status, 'open');
  if (status.pending.length > 0) {
    throw adapterError(
      'UNAVAILABLE',
      `schema "${names.schema}" lacks ${String(status.pending.length)} migration(s) of table "${names.table}": run migrateUp() from a deploy step or set migrate: 'on-start'`,
      { operation: 'open' },
      { pending: status.pending.map((m) => m.id) },
      false,
    );
  }
}
