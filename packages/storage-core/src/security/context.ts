import type { Principal } from '../types/index.js';
import type { Auditor, AuditFailureMode } from './audit.js';
import type { AccessPolicy } from './policy.js';
import type { Redactor } from './redaction.js';

/** What the access-control layer needs of the client, resolved once per client. */
export interface SecurityContext {
  /** Undefined: no access policy, nothing is checked. */
  readonly policy: AccessPolicy | undefined;
  readonly redactor: Redactor;
  readonly auditor: Auditor;
  readonly auditMode: AuditFailureMode;
  readonly logAllowed: boolean;
  /** True when the user asked for any security feature (config section or runtime field). */
  readonly configured: boolean;
}

/**
 * The principal core itself acts as (the durable audit sink's writes). Recognised by identity only
 * and never exported, so no caller can forge it.
 */
export const SYSTEM_PRINCIPAL: Principal = Object.freeze({ id: 'sanctum-storage:system', roles: Object.freeze([]) });
