import type { MigrationSource } from './types.js';

/**
 * The transactional outbox (ADR-022): a message published inside a record transaction is a row
 * here, written by that transaction; relays claim pending rows (`status = 0`) with FOR UPDATE SKIP
 * LOCKED, publish them, and mark them sent (1) or dead (2). Ids come from a sequence, so one
 * (stream, key)'s rows are published in the order their transactions wrote them.
 */
export const outboxTable: MigrationSource = {
  id: 4,
  name: 'outbox-table',
  sql: `
CREATE TABLE {{outbox}} (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stream     text COLLATE "C" NOT NULL,
  msg_key    text COLLATE "C",
  payload    text NOT NULL,
  headers    jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  status     smallint NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2)),
  attempts   integer NOT NULL DEFAULT 0,
  last_error text,
  sent_at    timestamptz
);

CREATE INDEX {{outboxPendingIndex}} ON {{outbox}} (id) WHERE status = 0;
CREATE INDEX {{outboxKeyIndex}} ON {{outbox}} (stream, msg_key, id) WHERE status = 0 AND msg_key IS NOT NULL;
CREATE INDEX {{outboxSentIndex}} ON {{outbox}} (sent_at) WHERE status = 1;

COMMENT ON TABLE {{outbox}} IS 'transactional outbox of @sanctum/storage-postgres; changed only through its migrations';
`,
};
