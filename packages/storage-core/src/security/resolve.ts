import { StorageError } from '../errors/index.js';
import type { StorageConfig } from '../config/index.js';
import type { Logger } from '../observability/logger.js';
import type { AuditSink } from '../spi/audit.js';
import { createAuditor } from './audit.js';
import { createRecordAuditSink, type AuditRecordTarget } from './audit-sinks.js';
import type { SecurityContext } from './context.js';
import type { AccessPolicy } from './policy.js';
import { createRedactor } from './redaction.js';
import { createRulePolicy } from './rule-policy.js';

/** The runtime half, as `StorageRuntime.security` holds it. */
export interface SecurityRuntimeInput {
  readonly policy?: AccessPolicy;
  readonly auditSinks?: readonly AuditSink[];
  readonly redactionKey?: string | Uint8Array;
  readonly secrets?: readonly string[];
}

/**
 * Resolves access policy, redaction and audit once per client. `configured` is false when neither
 * the config nor the runtime mentions security: then no acl layer is built at all (zero cost).
 */
export function resolveSecurity(
  config: StorageConfig,
  runtime: SecurityRuntimeInput | undefined,
  configured: boolean,
  logger: Logger,
  auditTarget: (namespace: string) => AuditRecordTarget,
): SecurityContext {
  const { acl, redaction, audit } = config.security;
  const key = runtime?.redactionKey;
  if (key !== undefined && (typeof key === 'string' ? Buffer.byteLength(key) : key.byteLength) < 16) {
    throw new StorageError('CONFIG_INVALID', 'runtime.security.redactionKey must hold at least 16 bytes; use 32 random bytes from your secret store', {
      details: { field: 'runtime.security.redactionKey' },
    });
  }
  const auditNamespace = audit.namespace;
  if (auditNamespace !== undefined && config.namespaces[auditNamespace]?.kind !== 'record') {
    throw new StorageError('CONFIG_INVALID', `security.audit.namespace "${auditNamespace}" must name a record namespace of this config`, {
      details: { field: 'security.audit.namespace' },
    });
  }
  const sinks: AuditSink[] = [...(runtime?.auditSinks ?? [])];
  if (auditNamespace !== undefined) sinks.push(createRecordAuditSink(() => auditTarget(auditNamespace)));
  const policy = runtime?.policy ?? (acl === undefined ? undefined : createRulePolicy(acl.rules));
  // S3 canned ACLs follow the namespace policy: a public-read object is readable by anyone at its
  // URL, past every rule, so a namespace under the policy stores objects private.
  if (policy !== undefined) {
    for (const [name, ns] of Object.entries(config.namespaces)) {
      if (ns.kind === 'blob' && ns.acl === 'public-read' && ns.security.acl === 'enforce') {
        throw new StorageError(
          'CONFIG_INVALID',
          `blob namespace "${name}" is public-read but under the access policy: anyone could read its objects at their URL, past the policy. Use acl: "private", or security: { acl: "off" } for a namespace that is public on purpose`,
          { details: { field: `namespaces.${name}.acl` } },
        );
      }
    }
  }
  return {
    policy,
    redactor: createRedactor({
      enabled: redaction.enabled,
      ...(key === undefined ? {} : { key }),
      secrets: runtime?.secrets ?? [],
      patterns: redaction.patterns,
      fields: redaction.fields,
    }),
    auditor: createAuditor(sinks, logger, audit.timeoutMs),
    auditMode: audit.onFailure,
    logAllowed: acl?.logAllowed ?? false,
    configured,
  };
}
