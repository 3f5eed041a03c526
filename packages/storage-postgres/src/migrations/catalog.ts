import { createHash } from 'node:crypto';
import type { ObjectNames } from '../names.js';
import { recordsTable } from './001-records-table.js';
import { putManyGuard } from './002-put-many-guard.js';
import { wormGuard } from './003-worm-guard.js';
import { outboxTable } from './004-outbox-table.js';
import type { MigrationInfo, MigrationSource, PlannedMigration } from './types.js';

/** Every migration, in order. Append only: never edit or remove one that shipped. */
export const MIGRATIONS: readonly MigrationSource[] = [recordsTable, putManyGuard, wormGuard, outboxTable];

/** SHA-256 of a migration's template, line endings normalised. */
export function checksumOf(source: MigrationSource): string {
  return createHash('sha256').update(source.sql.replace(/\r\n/g, '\n').trim()).digest('hex');
}

/** A quoted identifier; names are validated plain identifiers, quoting keeps them exact. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The migration's SQL with the configured names in place of its placeholders. */
export function render(source: MigrationSource, names: ObjectNames): string {
  const qualified = (name: string) => `${quoteIdent(names.schema)}.${quoteIdent(name)}`;
  const values: Readonly<Record<string, string>> = {
    schema: quoteIdent(names.schema),
    table: qualified(names.table),
    putManyFail: qualified(names.putManyFail),
    expiresIndex: quoteIdent(names.expiresIndex),
    wormPolicies: qualified(names.wormPolicies),
    wormGuard: qualified(names.wormGuard),
    wormPolicyGuard: qualified(names.wormPolicyGuard),
    wormRowTrigger: quoteIdent('sanctum_worm_row_guard'),
    wormTruncateTrigger: quoteIdent('sanctum_worm_truncate_guard'),
    wormPolicyTrigger: quoteIdent('sanctum_worm_policy_guard'),
    wormPolicyTruncateTrigger: quoteIdent('sanctum_worm_policy_truncate_guard'),
    outbox: qualified(names.outbox),
    outboxPendingIndex: quoteIdent(names.outboxPendingIndex),
    outboxKeyIndex: quoteIdent(names.outboxKeyIndex),
    outboxSentIndex: quoteIdent(names.outboxSentIndex),
  };
  return source.sql.trim().replace(/\{\{(\w+)\}\}/g, (placeholder, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`migration ${source.id} uses an unknown placeholder ${placeholder}`);
    return value;
  });
}

/** What status reports about a known migration. */
export function infoOf(source: MigrationSource): MigrationInfo {
  return { id: source.id, name: source.name, checksum: checksumOf(source) };
}

/** A known migration ready to run against `names`. */
export function plan(source: MigrationSource, names: ObjectNames): PlannedMigration {
  return { ...infoOf(source), sql: render(source, names) };
}
