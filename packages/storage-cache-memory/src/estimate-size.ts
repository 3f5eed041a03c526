import type { CacheEntry } from '@sanctum/storage-core/spi';

// Rough V8 heap costs. The goal is a stable, monotonic estimate that is cheap to compute (one walk
// of the value at `set`, no serialization), not an exact heap measurement.
const ENTRY_OVERHEAD = 96; // the CacheEntry object, its map slot and lru-cache's per-slot arrays
const STRING_HEADER = 16;
const OBJECT_HEADER = 32;
const PROPERTY_SLOT = 8;
const NUMBER_BYTES = 8;
const BIGINT_BYTES = 16;
const BUFFER_HEADER = 64;
const MAX_DEPTH = 64;

function stringBytes(value: string): number {
  // UTF-16 code units at two bytes: an upper bound (V8 stores Latin-1 strings in one byte each).
  return STRING_HEADER + value.length * 2;
}

function valueBytes(value: unknown, depth: number, seen: Set<object>): number {
  switch (typeof value) {
    case 'string':
      return stringBytes(value);
    case 'number':
      return NUMBER_BYTES;
    case 'bigint':
      return BIGINT_BYTES;
    case 'object':
      return value === null ? PROPERTY_SLOT : objectBytes(value, depth, seen);
    default:
      // booleans, undefined, symbols and functions: a tagged pointer or a shared object
      return PROPERTY_SLOT;
  }
}

function objectBytes(value: object, depth: number, seen: Set<object>): number {
  if (seen.has(value)) return PROPERTY_SLOT;
  if (ArrayBuffer.isView(value)) return BUFFER_HEADER + value.byteLength;
  if (value instanceof ArrayBuffer) return BUFFER_HEADER + value.byteLength;
  if (depth >= MAX_DEPTH) return OBJECT_HEADER;
  seen.add(value);
  let total = OBJECT_HEADER;
  if (Array.isArray(value)) {
    for (const item of value) total += PROPERTY_SLOT + valueBytes(item, depth + 1, seen);
    return total;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) total += 2 * PROPERTY_SLOT + valueBytes(k, depth + 1, seen) + valueBytes(v, depth + 1, seen);
    return total;
  }
  if (value instanceof Set) {
    for (const item of value) total += PROPERTY_SLOT + valueBytes(item, depth + 1, seen);
    return total;
  }
  if (value instanceof Date) return total;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    total += PROPERTY_SLOT + stringBytes(key) + valueBytes((value as Record<string, unknown>)[key], depth + 1, seen);
  }
  return total;
}

/**
 * Estimated heap bytes of one cache entry, used by the `maxBytes` bound:
 * a fixed per-entry overhead (96), plus the key and the etag at 16 + 2 bytes per UTF-16 code unit,
 * plus the value walked once: strings as above, numbers 8, bigints 16, other primitives 8,
 * objects/arrays/maps/sets 32 plus 8 per slot plus their keys and members, typed arrays and
 * Buffers 64 plus their byte length. Shared references count once; nesting past 64 levels counts
 * as an empty object. Always a positive integer.
 */
export function estimateEntryBytes(key: string, entry: CacheEntry): number {
  const version = typeof entry.version === 'string' ? stringBytes(entry.version) : NUMBER_BYTES;
  const value = valueBytes(entry.value, 0, new Set());
  return ENTRY_OVERHEAD + stringBytes(key) + stringBytes(entry.etag) + version + value;
}
