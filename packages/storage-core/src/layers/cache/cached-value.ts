import type { JsonValue } from '../../types/index.js';

function deepFreeze(value: object): void {
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null && !Object.isFrozen(item)) deepFreeze(item);
    return;
  }
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null && !Object.isFrozen(item)) deepFreeze(item);
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
