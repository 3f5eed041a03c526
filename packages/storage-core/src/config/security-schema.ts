import { z } from 'zod';
import { compileKeyPattern } from '../security/key-pattern.js';

// Access control, audit and redaction (docs/security.md). Kept apart from schema.ts so the
// namespace schemas grow by one line each.

const action = z.enum(['read', 'write', 'delete', 'list', 'publish', 'consume', 'presign', 'admin', '*']);

const keyPattern = z.string().min(1).superRefine((source, ctx) => {
  try {
    compileKeyPattern(source);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

const regexSource = z.string().min(1).superRefine((source, ctx) => {
  try {
    new RegExp(source, 'g');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
  }
});

/** One rule of the built-in policy. */
export const accessRuleConfig = z
  .object({
    effect: z.enum(['allow', 'deny']).default('allow'),
    /** Roles the rule applies to; `*` = any principal. */
    roles: z.array(z.string().min(1)).min(1),
    actions: z.array(action).min(1),
    /** @default every namespace */
    namespaces: z.array(z.string().min(1)).min(1).optional(),
    /** Key patterns: `*` one segment, `**` anything, `{tenant}` `{id}` `{attr.NAME}` from the principal. */
    keys: z.array(keyPattern).min(1).default(['**']),
  })
  .strict();

/** The client-wide `security` section. */
export const securityConfig = z
  .object({
    acl: z
      .object({
        /** Default deny: a call no rule allows is ACCESS_DENIED. */
        rules: z.array(accessRuleConfig).default([]),
        /** Also log allowed decisions (`acl.decision`, level debug). Costs a hash per call. */
        logAllowed: z.boolean().default(false),
      })
      .strict()
      .optional(),
    redaction: z
      .object({
        /** Keyed hashes instead of keys, principals and configured values. Turn off only to debug. */
        enabled: z.boolean().default(true),
        /** Dotted JSON value paths whose values are scrubbed from handler error text. */
        fields: z.array(z.string().min(1)).default([]),
        /** Regular expressions whose matches in error text become keyed hashes (e.g. `\\d{3}-\\d{2}-\\d{4}`). */
        patterns: z.array(regexSource).default([]),
      })
      .strict()
      .prefault({}),
    audit: z
      .object({
        /** A record namespace to store audit events in (the durable sink). */
        namespace: z.string().min(1).optional(),
        /** What a namespace without its own setting does when an event cannot be written. */
        onFailure: z.enum(['fail-open', 'fail-closed']).default('fail-open'),
        /** The longest a fail-closed operation waits for its audit event. */
        timeoutMs: z.number().int().positive().max(2_147_483_647).default(5_000),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

/** Per-namespace security settings. */
export const namespaceSecurityConfig = z
  .object({
    /** `off` exempts the namespace from the access policy. @default 'enforce' when the client has a policy */
    acl: z.enum(['enforce', 'off']).default('enforce'),
    /** @default the client's `security.audit.onFailure` */
    audit: z.enum(['fail-open', 'fail-closed']).optional(),
  })
  .strict()
  .prefault({});

export type SecurityConfig = z.output<typeof securityConfig>;
export type SecurityConfigInput = z.input<typeof securityConfig>;
export type AccessRuleConfig = z.output<typeof accessRuleConfig>;
export type NamespaceSecurityConfig = z.output<typeof namespaceSecurityConfig>;
