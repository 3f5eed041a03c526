import type { MigrationSource } from './types.js';

/**
 * WORM namespaces, enforced by the database itself so that bypassing the library cannot rewrite
 * history: a namespace listed in the policy table keeps each record unchanged (no UPDATE, no DELETE)
 * until `updated_at + retention` has passed, and indefinitely while its legal hold is on. TRUNCATE of
 * the records table is refused while any policy exists. Policies themselves cannot be deleted and
 * their retention can only grow; the legal hold can be set and released (grant that right apart).
 * SQLSTATEs (class SN): SN423 = a retained record, SN424 = a policy change that would weaken it.
 * A table owner or superuser can still disable triggers: run applications under a role that is not
 * the owner (docs/ledger.md, "What the backend enforces").
 */
export const wormGuard: MigrationSource = {
  id: 3,
  name: 'worm-guard',
  sql: `
CREATE TABLE {{wormPolicies}} (
  namespace  text COLLATE "C" PRIMARY KEY,
  retention  interval NOT NULL CHECK (retention >= interval '0'),
  legal_hold boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION {{wormGuard}}() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  policy record;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    IF EXISTS (SELECT 1 FROM {{wormPolicies}}) THEN
      RAISE EXCEPTION 'TRUNCATE refused: the table holds WORM namespaces' USING ERRCODE = 'SN423';
    END IF;
    RETURN NULL;
  END IF;
  SELECT retention, legal_hold INTO policy FROM {{wormPolicies}} WHERE namespace = OLD.namespace;
  IF FOUND AND (policy.legal_hold OR OLD.updated_at + policy.retention > now()) THEN
    RAISE EXCEPTION 'WORM namespace %: % of a retained record refused', OLD.namespace, TG_OP
      USING ERRCODE = 'SN423', HINT = CASE WHEN policy.legal_hold THEN 'legal hold' ELSE (OLD.updated_at + policy.retention)::text END;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END
$fn$;

CREATE TRIGGER {{wormRowTrigger}} BEFORE UPDATE OR DELETE ON {{table}}
  FOR EACH ROW EXECUTE FUNCTION {{wormGuard}}();
CREATE TRIGGER {{wormTruncateTrigger}} BEFORE TRUNCATE ON {{table}}
  FOR EACH STATEMENT EXECUTE FUNCTION {{wormGuard}}();

CREATE FUNCTION {{wormPolicyGuard}}() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP <> 'UPDATE' OR NEW.namespace <> OLD.namespace OR NEW.retention < OLD.retention THEN
    RAISE EXCEPTION 'WORM policy of %: % refused (policies are never removed and retention only grows)', OLD.namespace, TG_OP
      USING ERRCODE = 'SN424';
  END IF;
  RETURN NEW;
END
$fn$;

CREATE TRIGGER {{wormPolicyTrigger}} BEFORE UPDATE OR DELETE ON {{wormPolicies}}
  FOR EACH ROW EXECUTE FUNCTION {{wormPolicyGuard}}();
CREATE TRIGGER {{wormPolicyTruncateTrigger}} BEFORE TRUNCATE ON {{wormPolicies}}
  FOR EACH STATEMENT EXECUTE FUNCTION {{wormPolicyGuard}}();
`,
};
