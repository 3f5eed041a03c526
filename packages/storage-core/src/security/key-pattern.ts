import type { Principal } from '../types/index.js';

/**
 * Key patterns of the rule policy. `*` matches within one `/`-separated segment, `**` matches
 * anything (also `/` and the empty string), `{tenant}`, `{id}` and `{attr.NAME}` are bound from the
 * principal. A placeholder whose value is missing, empty or holds `/`, `*`, `{` or `}` matches
 * nothing: a tenant called `a/b` must not reach into tenant `a`'s keys.
 */
type Token =
  | { readonly t: 'lit'; readonly s: string }
  | { readonly t: 'var'; readonly name: string }
  | { readonly t: 'star' }
  | { readonly t: 'globstar' };

export interface KeyPattern {
  readonly source: string;
  /** Does `key` match for this principal? */
  matches(key: string, principal: Principal | undefined): boolean;
  /**
   * The bound text before the first wildcard: every key the pattern matches starts with it.
   * Undefined when a placeholder cannot be bound.
   */
  prefixFor(principal: Principal | undefined): string | undefined;
}

const PLACEHOLDER = /^(tenant|id|attr\.[A-Za-z0-9_.-]+)$/;
const UNSAFE_VALUE = /[/*{}]/;

/** Throws a plain Error naming what is wrong (the config layer turns it into an issue). */
export function compileKeyPattern(source: string): KeyPattern {
  const tokens: Token[] = [];
  let i = 0;
  let literal = '';
  const flush = (): void => {
    if (literal !== '') tokens.push({ t: 'lit', s: literal });
    literal = '';
  };
  while (i < source.length) {
    const c = source[i]!;
    if (c === '*') {
      flush();
      if (source[i + 1] === '*') {
        tokens.push({ t: 'globstar' });
        i += 2;
      } else {
        tokens.push({ t: 'star' });
        i += 1;
      }
    } else if (c === '{') {
      const end = source.indexOf('}', i);
      if (end < 0) throw new Error(`pattern "${source}" has an unclosed "{"`);
      const name = source.slice(i + 1, end);
      if (!PLACEHOLDER.test(name)) throw new Error(`pattern "${source}" uses unknown placeholder {${name}}; use {tenant}, {id} or {attr.NAME}`);
      flush();
      tokens.push({ t: 'var', name });
      i = end + 1;
    } else if (c === '}') {
      throw new Error(`pattern "${source}" has a "}" without "{"`);
    } else {
      literal += c;
      i += 1;
    }
  }
  flush();
  const frozen = tokens;
  const firstWildcard = frozen.findIndex((token) => token.t === 'star' || token.t === 'globstar');
  const literalPart = firstWildcard < 0 ? frozen : frozen.slice(0, firstWildcard);
  // `<literal or placeholders>**` and wildcard-free patterns need no matcher: a bound prefix (or the
  // whole bound key) and one startsWith / equality, the form almost every tenant rule takes.
  const shape = firstWildcard < 0 ? 'exact' : firstWildcard === frozen.length - 1 && frozen[firstWildcard]!.t === 'globstar' ? 'prefix' : 'general';
  const vars = literalPart.filter((token): token is { t: 'var'; name: string } => token.t === 'var').map((token) => token.name);
  // One-entry cache of the bound literal part, checked against the very values it was bound from
  // (not the principal object), so a principal changed in place is never served a stale binding.
  let cachedValues: Array<string | undefined> | undefined;
  let cachedPrefix: string | undefined;
  const raw = (name: string, principal: Principal): string | undefined =>
    name === 'tenant' ? principal.tenant : name === 'id' ? principal.id : principal.attributes?.[name.slice(5)];
  const prefixFor = (principal: Principal | undefined): string | undefined => {
    if (vars.length === 0) return bindLiteral(literalPart, principal);
    if (principal === undefined) return undefined;
    if (cachedValues !== undefined) {
      let same = true;
      for (let i = 0; i < vars.length; i++) if (raw(vars[i]!, principal) !== cachedValues[i]) same = false;
      if (same) return cachedPrefix;
    }
    cachedValues = vars.map((name) => raw(name, principal));
    cachedPrefix = bindLiteral(literalPart, principal);
    return cachedPrefix;
  };
  return {
    source,
    matches(key, principal) {
      if (shape === 'general') return matchFrom(frozen, 0, key, 0, principal);
      const bound = prefixFor(principal);
      return bound !== undefined && (shape === 'prefix' ? key.startsWith(bound) : key === bound);
    },
    prefixFor,
  };
}

function bindLiteral(tokens: readonly Token[], principal: Principal | undefined): string | undefined {
  let prefix = '';
  for (const token of tokens) {
    if (token.t === 'lit') prefix += token.s;
    else if (token.t === 'var') {
      const value = bind(token.name, principal);
      if (value === undefined) return undefined;
      prefix += value;
    }
  }
  return prefix;
}

function bind(name: string, principal: Principal | undefined): string | undefined {
  if (principal === undefined) return undefined;
  const value = name === 'tenant' ? principal.tenant : name === 'id' ? principal.id : principal.attributes?.[name.slice(5)];
  if (typeof value !== 'string' || value === '' || UNSAFE_VALUE.test(value)) return undefined;
  return value;
}

function matchFrom(tokens: readonly Token[], index: number, key: string, pos: number, principal: Principal | undefined): boolean {
  if (index === tokens.length) return pos === key.length;
  const token = tokens[index]!;
  switch (token.t) {
    case 'lit':
      return key.startsWith(token.s, pos) && matchFrom(tokens, index + 1, key, pos + token.s.length, principal);
    case 'var': {
      const value = bind(token.name, principal);
      return value !== undefined && key.startsWith(value, pos) && matchFrom(tokens, index + 1, key, pos + value.length, principal);
    }
    case 'star': {
      const slash = key.indexOf('/', pos);
      const limit = slash < 0 ? key.length : slash;
      for (let end = limit; end >= pos; end--) if (matchFrom(tokens, index + 1, key, end, principal)) return true;
      return false;
    }
    case 'globstar': {
      if (index === tokens.length - 1) return true;
      for (let end = key.length; end >= pos; end--) if (matchFrom(tokens, index + 1, key, end, principal)) return true;
      return false;
    }
  }
}
