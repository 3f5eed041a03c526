/** A store method taking one request object. */
type Operation = (request: never) => Promise<unknown>;

/**
 * A copy of `store` (kind, name, capabilities and every method it has) in which each method named in
 * `names` is replaced by `wrap(method, name)`. Methods not named are passed through, bound.
 */
export function wrapOperations<S extends { readonly kind: string; readonly name: string; readonly capabilities: unknown }>(
  store: S,
  names: readonly string[],
  passThrough: readonly string[],
  wrap: (method: Operation, name: string) => Operation,
): S {
  const source = store as unknown as Record<string, unknown>;
  const copy: Record<string, unknown> = { kind: store.kind, name: store.name, capabilities: store.capabilities };
  for (const name of names) {
    const method = source[name];
    if (typeof method === 'function') copy[name] = wrap((method as Operation).bind(store), name);
  }
  for (const name of passThrough) {
    const method = source[name];
    if (typeof method === 'function') copy[name] = (method as Operation).bind(store);
  }
  return copy as unknown as S;
}
