import type { Principal } from '../types/index.js';

/** What a principal may do; the rule policy's vocabulary and the hook's `action` argument. */
export const ACCESS_ACTIONS = ['read', 'write', 'delete', 'list', 'publish', 'consume', 'presign', 'admin'] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];

/**
 * What is being accessed. `key` is the record/object key or message key (`''` for a keyless
 * message); `prefix` is set instead of `key` when a listing asks for permission as a whole
 * (every item it returns is then checked with its `key`). Neither is set for a subscription: the
 * subscriber is checked for the namespace, then each message by its key.
 */
export interface AccessResource {
  readonly kind: 'record' | 'blob' | 'stream';
  readonly namespace: string;
  readonly key?: string;
  readonly prefix?: string;
}

/** `allow` or `deny`; a hook may give a reason that goes to the log and the audit event. */
export type AccessDecision = 'allow' | 'deny' | { readonly decision: 'allow' | 'deny'; readonly reason?: string };

/**
 * The policy hook: decides before any I/O. May be sync (preferred: the allow path stays cheap) or
 * async. `principal` is undefined when the call carried none. A throw counts as a deny.
 */
export type AccessPolicy = (principal: Principal | undefined, action: AccessAction, resource: AccessResource) => AccessDecision | Promise<AccessDecision>;
