import { randomUUID } from 'node:crypto';
import { StorageError } from '../../errors/index.js';
import type { AuditEvent } from '../../spi/audit.js';
import type { NamespacedRequest } from '../../spi/store-base.js';
import type { Principal } from '../../types/index.js';
import type { AccessAction, AccessDecision, AccessResource } from '../../security/policy.js';
import type { Sensitive } from '../../security/redaction.js';
import { SYSTEM_PRINCIPAL, type SecurityContext } from '../../security/context.js';
import type { LayerContext } from '../layer.js';

type Kind = AccessResource['kind'];
type Verdict = { readonly allow: boolean; readonly reason?: string };

function verdictOf(decision: AccessDecision): Verdict {
  if (decision === 'allow') return ALLOW;
  if (decision === 'deny') return DENY;
  return decision.reason === undefined ? { allow: decision.decision === 'allow' } : { allow: decision.decision === 'allow', reason: decision.reason };
}
const ALLOW: Verdict = { allow: true };
const DENY: Verdict = { allow: false };

/** The per-namespace decision and audit machinery the acl layers share. */
export interface Gate {
  readonly enforcing: boolean;
  readonly scrubbing: boolean;
  /**
   * `true` when allowed without waiting (the sync allow path: no promise, no allocation beyond the
   * resource); otherwise a promise that resolves on allow and rejects with ACCESS_DENIED.
   */
  check(request: NamespacedRequest, action: AccessAction, key: string | undefined, prefix?: string): true | Promise<void>;
  /** For filtering listed items and delivered messages: is `key` visible to `principal`? */
  visible(principal: Principal | undefined, action: AccessAction, namespace: string, key: string): boolean | Promise<boolean>;
  /** `work` with its failure scrubbed of the call's sensitive values. */
  guard<R>(work: Promise<R>, request: NamespacedRequest, extra?: readonly Sensitive[]): Promise<R>;
  /** Emits a deletion event (after commit inside a transaction); resolves when fail-closed demands. */
  deleted(type: 'record.deleted' | 'object.deleted', request: NamespacedRequest, key: string, details?: AuditEvent['details']): Promise<void> | undefined;
  sensitive(request: NamespacedRequest, key?: string): Sensitive[];
}

export function createGate(ctx: LayerContext<{ readonly security: { readonly acl: 'enforce' | 'off'; readonly audit?: 'fail-open' | 'fail-closed' | undefined } }>, kind: Kind): Gate | undefined {
  const security: SecurityContext | undefined = ctx.runtime.security;
  if (security === undefined || !security.configured) return undefined;
  const { policy, redactor, auditor, logAllowed } = security;
  const enforcing = policy !== undefined && ctx.config.security.acl === 'enforce';
  const scrubbing = redactor.enabled;
  if (!enforcing && !scrubbing && !auditor.active) return undefined;
  const mode = ctx.config.security.audit ?? security.auditMode;
  const { logger } = ctx.runtime;
  const operationName = `${kind}s`;

  const sensitive = (request: NamespacedRequest, key?: string): Sensitive[] => [
    ['key', key],
    ['principal', request.principal?.id],
    ['tenant', request.principal?.tenant],
  ];

  const event = (type: string, action: string, request: NamespacedRequest, key: string | undefined, outcome: AuditEvent['outcome'], correlationId: string, details?: AuditEvent['details']): AuditEvent => ({
    type,
    time: new Date(ctx.runtime.now()).toISOString(),
    actor: redactor.maybe('principal', request.principal?.id),
    action,
    resource: { kind, namespace: request.namespace, ...(key === undefined ? {} : { key: redactor.hash('key', key) }) },
    outcome,
    correlationId,
    ...(details === undefined ? {} : { details }),
  });

  const denied = (request: NamespacedRequest, action: AccessAction, key: string | undefined, prefix: string | undefined, reason: string | undefined): Promise<never> => {
    const correlationId = request.correlationId ?? randomUUID();
    const principal = request.principal === undefined ? 'no principal' : `principal ${redactor.hash('principal', request.principal.id)}`;
    const target = key !== undefined ? ` key ${redactor.hash('key', key)}` : prefix !== undefined ? ` prefix ${redactor.hash('key', prefix)}` : '';
    logger.log({
      event: 'acl.decision',
      level: 'warn',
      correlationId,
      decision: 'deny',
      namespace: request.namespace,
      kind,
      action,
      principal: redactor.maybe('principal', request.principal?.id) ?? null,
      ...(key === undefined ? {} : { key: redactor.hash('key', key) }),
      ...(prefix === undefined ? {} : { prefix: redactor.hash('key', prefix) }),
      ...(reason === undefined ? {} : { reason: redactor.scrub(reason, sensitive(request, key)) }),
    });
    const error = new StorageError(
      'ACCESS_DENIED',
      `${principal} may not ${action}${target} in namespace "${request.namespace}"${request.principal === undefined ? '; pass options.principal or use storage.as(principal)' : ''}`,
      { retryable: false, operation: `${operationName}.${action}`, namespace: request.namespace, details: { action, correlationId } },
    );
    const details = prefix === undefined ? undefined : { prefix: redactor.hash('key', prefix) };
    const written = auditor.emit(event('acl.denied', action, request, key, 'denied', correlationId, details), mode);
    const fail = (): never => {
      throw error;
    };
    return written === undefined ? Promise.reject(error) : written.then(fail, fail);
  };

  const allowedLog = (request: NamespacedRequest, action: AccessAction, key: string | undefined): void => {
    logger.log({
      event: 'acl.decision',
      level: 'debug',
      correlationId: request.correlationId ?? randomUUID(),
      decision: 'allow',
      namespace: request.namespace,
      kind,
      action,
      principal: redactor.maybe('principal', request.principal?.id) ?? null,
      ...(key === undefined ? {} : { key: redactor.hash('key', key) }),
    });
  };

  const check: Gate['check'] = (request, action, key, prefix) => {
    if (!enforcing || request.principal === SYSTEM_PRINCIPAL) return true;
    const resource: AccessResource = key !== undefined ? { kind, namespace: request.namespace, key } : prefix !== undefined ? { kind, namespace: request.namespace, prefix } : { kind, namespace: request.namespace };
    let decision: AccessDecision | Promise<AccessDecision>;
    try {
      decision = policy(request.principal, action, resource);
    } catch {
      return denied(request, action, key, prefix, 'the policy threw');
    }
    if (decision === 'allow') {
      if (logAllowed) allowedLog(request, action, key);
      return true;
    }
    if (typeof decision === 'object' && 'then' in decision) {
      return decision.then(
        (settled) => {
          const verdict = verdictOf(settled);
          if (!verdict.allow) return denied(request, action, key, prefix, verdict.reason);
          if (logAllowed) allowedLog(request, action, key);
          return undefined;
        },
        () => denied(request, action, key, prefix, 'the policy threw'),
      );
    }
    const verdict = verdictOf(decision);
    if (verdict.allow) {
      if (logAllowed) allowedLog(request, action, key);
      return true;
    }
    return denied(request, action, key, prefix, verdict.reason);
  };

  const visible: Gate['visible'] = (principal, action, namespace, key) => {
    if (!enforcing || principal === SYSTEM_PRINCIPAL) return true;
    try {
      const decision = policy(principal, action, { kind, namespace, key });
      if (typeof decision === 'object' && 'then' in decision) return decision.then((d) => verdictOf(d).allow, () => false);
      return verdictOf(decision).allow;
    } catch {
      return false;
    }
  };

  const guard: Gate['guard'] = (work, request, extra) => {
    if (!scrubbing) return work;
    return work.catch((error: unknown) => {
      const { key, prefix } = request as { key?: string; prefix?: string };
      const known = sensitive(request, key);
      if (prefix !== undefined) known.push(['key', prefix]);
      throw redactor.scrubError(error, extra === undefined ? known : [...known, ...extra]);
    });
  };

  const deleted: Gate['deleted'] = (type, request, key, details) => {
    if (!auditor.active) return undefined;
    const emit = (): Promise<void> | undefined =>
      auditor.emit(event(type, 'delete', request, key, 'succeeded', request.correlationId ?? randomUUID(), details), mode);
    if (ctx.transaction !== undefined) {
      ctx.transaction.afterCommit(() => emit());
      return undefined;
    }
    return emit();
  };

  return { enforcing, scrubbing, check, visible, guard, deleted, sensitive };
}
