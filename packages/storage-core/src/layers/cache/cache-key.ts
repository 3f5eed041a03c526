/**
 * The key under which the cache layer stores `key` of `namespace`. Keys can hold no NUL byte (the
 * validate layer refuses them), so the NUL separator is unambiguous. The cache, `purge` and
 * invalidation messages all use this physical form; the write tracker uses logical keys.
 */
export function cacheKey(namespace: string, key: string): string {
  return `${namespace}\u0000${key}`;
}

/** The logical keys of `namespace` among physical cache keys (other namespaces' keys are skipped). */
export function logicalKeys(namespace: string, physical: readonly string[]): string[] {
  const prefix = `${namespace}\u0000`;
  const keys: string[] = [];
  for (const key of physical) if (typeof key === 'string' && key.startsWith(prefix)) keys.push(key.slice(prefix.length));
  return keys;
}
