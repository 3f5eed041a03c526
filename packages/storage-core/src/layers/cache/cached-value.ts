import type { JsonValue } from '../../types/index.js';

// The object first (so a cycle ends at a frozen object), then its children; `for…in` over the enum cache instead of `Object.keys`,
// so freezing a decoded value allocates nothing (it runs on every Redis-served read).
function deepFreeze(value: object): void {
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null && !Object.isFrozen(item)) deepFreeze(item);
    }
  } else {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const item = (value as Record<string, unknown>)[key];
      if (typeof item === 'object' && item !== null && !Object.isFrozen(item)) deepFreeze(item);
    }
  }
}

/**
 * `value`, deeply frozen in place (ADR-001 "cached values are immutable"). A frozen object is taken
 * as frozen all the way down: core only ever freezes whole values, so a hit costs one check.
 */
export function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) deepFreeze(value);
  return value;
}

/** What the cache layer stores for a record value: the value itself, frozen (no copy). */
export function toCacheValue(value: JsonValue): JsonValue {
  return frozen(value);
}
