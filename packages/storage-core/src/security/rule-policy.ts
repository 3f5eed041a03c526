import type { Principal } from '../types/index.js';
import { compileKeyPattern, type KeyPattern } from './key-pattern.js';
import type { AccessAction, AccessPolicy, AccessResource } from './policy.js';

/** One rule of the built-in policy (config `security.acl.rules`, docs/security.md). */
export interface AccessRule {
  /** @default 'allow' */
  readonly effect?: 'allow' | 'deny';
  /** Roles the rule applies to; `*` = any principal (a call without a principal matches no rule). */
  readonly roles: readonly string[];
  /** Actions it covers; `*` = all. */
  readonly actions: readonly (AccessAction | '*')[];
  /** Namespaces it covers. @default every namespace */
  readonly namespaces?: readonly string[] | undefined;
  /** Key patterns (`{tenant}/**`, `public/*`, `**`). @default ['**'] */
  readonly keys?: readonly string[] | undefined;
}

interface CompiledRule {
  readonly allow: boolean;
  readonly anyRole: boolean;
  readonly roles: ReadonlySet<string>;
  readonly patterns: readonly KeyPattern[];
  /** True when a pattern is exactly `**`: the rule covers the whole namespace. */
  readonly everything: boolean;
}

const ALL = '*';

/**
 * The built-in policy: default deny; a matching deny rule beats any allow rule. Rules are
 * indexed by namespace and action when the policy is built, so a decision walks only the rules
 * that can apply. Synchronous, so the allow path costs no promise.
 */
export function createRulePolicy(rules: readonly AccessRule[]): AccessPolicy {
  const compiled = rules.map((rule, index) => {
    try {
      const keys = rule.keys ?? ['**'];
      const compiledRule: CompiledRule = {
        allow: (rule.effect ?? 'allow') === 'allow',
        anyRole: rule.roles.includes(ALL),
        roles: new Set(rule.roles),
        patterns: keys.map(compileKeyPattern),
        everything: keys.includes('**'),
      };
      return { rule, compiledRule };
    } catch (error) {
      throw new Error(`rules[${String(index)}]: ${(error as Error).message}`, { cause: error });
    }
  });
  const index = new Map<string, Map<AccessAction, CompiledRule[]>>();
  const forNamespace = (namespace: string): Map<AccessAction, CompiledRule[]> => {
    let byAction = index.get(namespace);
    if (byAction === undefined) {
      byAction = new Map();
      for (const { rule, compiledRule } of compiled) {
        if (rule.namespaces !== undefined && !rule.namespaces.includes(namespace) && !rule.namespaces.includes(ALL)) continue;
        for (const action of rule.actions.includes(ALL) ? ACTIONS : (rule.actions as AccessAction[])) {
          const list = byAction.get(action) ?? [];
          list.push(compiledRule);
          byAction.set(action, list);
        }
      }
      // Deny rules first: one match ends the walk.
      for (const list of byAction.values()) list.sort((a, b) => Number(a.allow) - Number(b.allow));
      index.set(namespace, byAction);
    }
    return byAction;
  };
  return (principal, action, resource) => {
    if (principal === undefined) return 'deny';
    const candidates = forNamespace(resource.namespace).get(action);
    if (candidates === undefined) return 'deny';
    for (const rule of candidates) {
      if (!rule.anyRole && !hasRole(principal, rule.roles)) continue;
      if (covers(rule, principal, resource)) return rule.allow ? 'allow' : 'deny';
    }
    return 'deny';
  };
}

const ACTIONS: readonly AccessAction[] = ['read', 'write', 'delete', 'list', 'publish', 'consume', 'presign', 'admin'];

function hasRole(principal: Principal, roles: ReadonlySet<string>): boolean {
  const held = principal.roles;
  if (held === undefined) return false;
  for (let i = 0; i < held.length; i++) if (roles.has(held[i]!)) return true;
  return false;
}

function covers(rule: CompiledRule, principal: Principal, resource: AccessResource): boolean {
  const { key, prefix } = resource;
  if (key !== undefined) {
    for (const pattern of rule.patterns) if (pattern.matches(key, principal)) return true;
    return false;
  }
  if (prefix !== undefined) {
    // A listing as a whole: an allow rule covers it when every key under `prefix` starts with the
    // pattern's bound literal part (items are then checked one by one). Deny rules act on the items.
    if (!rule.allow) return false;
    for (const pattern of rule.patterns) {
      const bound = pattern.prefixFor(principal);
      if (bound !== undefined && prefix.startsWith(bound)) return true;
    }
    return false;
  }
  // A subscription: allowed for the namespace, messages checked by key; a deny covers it only when whole.
  return rule.allow || rule.everything;
}
