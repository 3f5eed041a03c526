import { StorageError, createNoopLogger } from '@sanctum/storage-core/spi';
import { createClient } from './connection.js';
import { toStorageError } from './errors.js';
import { quoteIdent } from './migrations/catalog.js';
import { objectNames } from './names.js';
import { resolveOptions, type PostgresRecordStoreOptions } from './options.js';

/** The retention policy of a WORM namespace. */
export interface WormPolicy {
  readonly namespace: string;
  /** How long each record stays unchangeable after it was written, in milliseconds. */
  readonly retentionMs: number;
  /** While on, no record of the namespace can be changed or deleted, whatever its age. */
  readonly legalHold: boolean;
}

/** Longest retention accepted: 100 years. */
const MAX_RETENTION_MS = 100 * 365 * 24 * 3600 * 1000;

function checkPolicy(policy: WormPolicy): void {
  const where = { operation: 'worm.setPolicy', namespace: policy.namespace, adapter: 'postgres' };
  if (typeof policy.namespace !== 'string' || policy.namespace === '') {
    throw new StorageError('INVALID_ARGUMENT', 'worm policy namespace must be a non-empty string', { ...where, details: { field: 'namespace' } });
  }
  if (!Number.isSafeInteger(policy.retentionMs) || policy.retentionMs < 0 || policy.retentionMs > MAX_RETENTION_MS) {
    throw new StorageError('INVALID_ARGUMENT', `worm policy retentionMs must be an integer from 0 to ${MAX_RETENTION_MS} (100 years), got ${String(policy.retentionMs)}`, {
      ...where,
      details: { field: 'retentionMs' },
    });
  }
  if (typeof policy.legalHold !== 'boolean') {
    throw new StorageError('INVALID_ARGUMENT', 'worm policy legalHold must be a boolean', { ...where, details: { field: 'legalHold' } });
  }
}

async function withTable<T>(options: PostgresRecordStoreOptions, operation: string, body: (sql: ReturnType<typeof createClient>, table: string) => Promise<T>): Promise<T> {
  const resolved = resolveOptions(options);
  const names = objectNames(resolved.schema, resolved.table);
  const client = createClient(resolved, createNoopLogger(), 1);
  try {
    return await body(client, `${quoteIdent(names.schema)}.${quoteIdent(names.wormPolicies)}`);
  } catch (error) {
    throw toStorageError(error, { operation });
  } finally {
    await client.end({ timeout: resolved.closeTimeoutMs / 1000 });
  }
}

/**
 * Makes `namespace` a WORM namespace of the configured table, or changes its policy. The database
 * enforces it (migration 003): an UPDATE or DELETE of a record younger than the retention, or of any
 * record under legal hold, fails with RETENTION_LOCKED — through this library or any other client.
 * Retention can only grow and a policy cannot be removed (RETENTION_LOCKED otherwise); the legal hold
 * can be set and released. An administrative call, like migrateUp: run it from a deploy step.
 */
export async function setWormPolicy(options: PostgresRecordStoreOptions, policy: WormPolicy): Promise<void> {
  checkPolicy(policy);
  await withTable(options, 'worm.setPolicy', async (sql, table) => {
    await sql.unsafe(
      `INSERT INTO ${table} (namespace, retention, legal_hold) VALUES ($1, make_interval(secs => $2::double precision / 1000), $3)
       ON CONFLICT (namespace) DO UPDATE SET retention = excluded.retention, legal_hold = excluded.legal_hold, updated_at = now()`,
      [policy.namespace, policy.retentionMs, policy.legalHold],
    );
  });
}

/** The namespace's WORM policy, or undefined when it is not a WORM namespace. */
export async function wormPolicy(options: PostgresRecordStoreOptions, namespace: string): Promise<WormPolicy | undefined> {
  return withTable(options, 'worm.policy', async (sql, table) => {
    const rows = await sql.unsafe<Array<{ retention_ms: string; legal_hold: boolean }>>(
      `SELECT (extract(epoch FROM retention) * 1000)::bigint::text AS retention_ms, legal_hold FROM ${table} WHERE namespace = $1`,
      [namespace],
    );
    const row = rows[0];
    return row === undefined ? undefined : { namespace, retentionMs: Number(row.retention_ms), legalHold: row.legal_hold };
  });
}
