import type { MigrationSource } from './types.js';

/**
 * The guard of the all-or-nothing putMany statement: plain SQL cannot raise an error, and only an
 * error rolls back the writes one statement has already made. The SQLSTATEs are ours (class SN):
 * SN409 = ALREADY_EXISTS, SN412 = PRECONDITION_FAILED; the hint carries the entry's index.
 */
export const putManyGuard: MigrationSource = {
  id: 2,
  name: 'put-many-guard',
  sql: `
CREATE FUNCTION {{putManyFail}}(failure text, entry bigint) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  IF failure = 'ALREADY_EXISTS' THEN
    RAISE EXCEPTION 'putMany entry % already exists', entry - 1 USING ERRCODE = 'SN409', HINT = (entry - 1)::text;
  END IF;
  RAISE EXCEPTION 'putMany entry % does not match its ifMatch', entry - 1 USING ERRCODE = 'SN412', HINT = (entry - 1)::text;
END
$fn$;
`,
};
