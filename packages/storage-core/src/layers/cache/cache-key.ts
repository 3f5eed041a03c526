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

/** How many physical keys a namespace remembers (see {@link physicalKeys}); the memo is emptied when full. */
const MEMO_SIZE = 10_000;

/**
 * `cacheKey` for one namespace, remembered per logical key. A concatenated key is a new string that
 * the cache must flatten and hash on every lookup; a remembered one has its hash cached by V8, and
 * finding it costs one lookup by the caller's key (measured in storage-cache-memory `bench:hit`).
 */
export function physicalKeys(namespace: string): (key: string) => string {
  const memo = new Map<string, string>();
  return (key) => {
    let physical = memo.get(key);
    if (physical === undefined) {
      physical = cacheKey(namespace, key);
      if (memo.size >= MEMO_SIZE) memo.clear();
      memo.set(key, physical);
    }
    return physical;
  };
}
