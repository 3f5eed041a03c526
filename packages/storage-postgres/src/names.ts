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
  };
}
