import type { Database, Statement } from 'better-sqlite3';

/** One row of the records table. */
export interface Row {
  readonly key: string;
  readonly value: string;
  readonly version: number;
  readonly etag: string;
  readonly expires_at: number | null;
}

/**
 * The table: one row per live (or not yet swept) record. `key` uses SQLite's default BINARY
 * collation, which compares UTF-8 bytes: the code point order the SPI requires for listings.
 */
export function createTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    namespace  TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    etag       TEXT    NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (namespace, key)
  ) WITHOUT ROWID`;
}

/** Statements prepared once per connection. Expired rows are treated as absent everywhere. */
export interface Statements {
  readonly get: Statement<[namespace: string, key: string, now: number], Row>;
  readonly upsert: Statement<[namespace: string, key: string, value: string, version: number, etag: string, expiresAt: number | null]>;
  readonly remove: Statement<[namespace: string, key: string]>;
  readonly list: Statement<[{ namespace: string; prefix: string; after: string | null; now: number; limit: number }], Row>;
  readonly dropNamespace: Statement<[{ namespace: string }]>;
}

/** Prepares every statement of the store on `db`. */
export function prepare(db: Database, table: string): Statements {
  return {
    get: db.prepare(`SELECT key, value, version, etag, expires_at FROM ${table} WHERE namespace = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)`),
    upsert: db.prepare(
      `INSERT INTO ${table} (namespace, key, value, version, etag, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, version = excluded.version,
         etag = excluded.etag, expires_at = excluded.expires_at`,
    ),
    remove: db.prepare(`DELETE FROM ${table} WHERE namespace = ? AND key = ?`),
    // Keyset page: keys with the prefix (compared as text of the prefix's length) after the cursor's key.
    list: db.prepare(
      `SELECT key, value, version, etag, expires_at FROM ${table}
       WHERE namespace = @namespace AND key >= @prefix AND substr(key, 1, length(@prefix)) = @prefix
         AND (@after IS NULL OR key > @after) AND (expires_at IS NULL OR expires_at > @now)
       ORDER BY key LIMIT @limit`,
    ),
    // The namespace and the ones derived from it (`<namespace>-…`, `<namespace>.…`).
    dropNamespace: db.prepare(
      `DELETE FROM ${table} WHERE namespace = @namespace
         OR (substr(namespace, 1, length(@namespace)) = @namespace AND substr(namespace, length(@namespace) + 1, 1) IN ('-', '.'))`,
    ),
  };
}
