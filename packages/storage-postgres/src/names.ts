import { createHash } from 'node:crypto';

/** Every database object name the store uses, derived from the `schema` and `table` options. */
export interface ObjectNames {
  readonly schema: string;
  readonly table: string;
  /** The migration history of this table. */
  readonly migrations: string;
  /** The guard function that aborts an all-or-nothing putMany (migration 002). */
  readonly putManyFail: string;
  /** The partial index the TTL sweep scans (migration 001). */
  readonly expiresIndex: string;
  /** WORM policies of this table's namespaces and their guard functions (migration 003). */
  readonly wormPolicies: string;
  readonly wormGuard: string;
  readonly wormPolicyGuard: string;
  /** The transactional outbox of this table's transactions (migration 004, ADR-022). */
  readonly outbox: string;
  /** The outbox's partial index of pending rows (migration 004). */
  readonly outboxPendingIndex: string;
  /** The outbox's per-(stream, key) index of pending rows, for per-key order (migration 004). */
  readonly outboxKeyIndex: string;
  /** The outbox's index of sent rows, for the retention purge (migration 004). */
  readonly outboxSentIndex: string;
  /**
   * The LISTEN/NOTIFY channel that wakes relays when a transaction wrote outbox rows. Channels are
   * per database, not per schema, so the name carries a digest of schema and table (and stays
   * within the 63-byte identifier limit).
   */
  readonly outboxChannel: string;
}

/** Object names for a schema and table (both already validated as plain identifiers). */
export function objectNames(schema: string, table: string): ObjectNames {
  return {
    schema,
    table,
    migrations: `${table}_migrations`,
    putManyFail: `${table}_put_many_fail`,
    expiresIndex: `${table}_expires_at_idx`,
    wormPolicies: `${table}_worm`,
    wormGuard: `${table}_worm_g`,
    wormPolicyGuard: `${table}_worm_pg`,
    outbox: `${table}_outbox`,
    outboxPendingIndex: `${table}_outbox_pending_idx`,
    outboxKeyIndex: `${table}_outbox_key_idx`,
    outboxSentIndex: `${table}_outbox_sent_idx`,
    outboxChannel: `sanctum_outbox_${createHash('sha256').update(`${schema}.${table}`).digest('hex').slice(0, 16)}`,
  };
}
