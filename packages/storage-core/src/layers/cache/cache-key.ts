/**
 * The key under which the cache layer stores `key` of `namespace`. Keys can hold no NUL byte (the
 * validate layer refuses them), so the NUL separator is unambiguous.
 */
export function cacheKey(namespace: string, key: string): string {
  return `${namespace}\u0000${key}`;
}
