import type { MigrationSource } from './types.js';

/**
 * The records table: one row per (namespace, key). Keys compare byte-wise (`C` collation), so
 * listings are in code point order whatever the database's locale, and prefix ranges are exact.
 */
export const recordsTable: MigrationSource = {
  id: 1,
  name: 'records-table',
  sql: `
CREATE TABLE {{table}} (
  namespace  text COLLATE "C" NOT NULL,
  key        text COLLATE "C" NOT NULL,
  value      jsonb NOT NULL,
  version    bigint NOT NULL CHECK (version > 0),
  etag       text NOT NULL,
  expires_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, key)
) WITH (fillfactor = 90);

CREATE INDEX {{expiresIndex}} ON {{table}} (expires_at) WHERE expires_at IS NOT NULL;

COMMENT ON TABLE {{table}} IS 'JSON records of @sanctum/storage-postgres; changed only through its migrations';
`,
};
