import type { StorageError } from '../errors/index.js';
import { hasLoneSurrogate } from './keys.js';
import { describeType, invalidArgument, payloadTooLarge, type Where } from './where.js';

/** Deepest nesting of arrays and objects a value may have. */
export const MAX_JSON_DEPTH = 128;

/** A value checked by {@link serializeJson}: its JSON text and that text's UTF-8 size. */
export interface SerializedJson {
  readonly text: string;
  readonly bytes: number;
}

function refuse(where: Where, field: string, path: string, what: string): StorageError {
  return invalidArgument(where, field, `${path} ${what}; store only JSON data (plain objects, arrays, strings, finite numbers, booleans, null)`);
}

/**
 * Walks `value` and throws INVALID_ARGUMENT at the first place JSON would change or lose data:
 * Dates and other class instances, Map/Set, functions, symbols, BigInt, NaN/±Infinity, undefined
 * in an array, array holes, symbol keys, lone surrogates in strings, cycles, and nesting deeper
 * than {@link MAX_JSON_DEPTH}. `undefined` object properties are allowed (JSON drops them, which
 * reads back the same). `-0` is allowed and reads back as `0` (equal under `===`).
 */
function assertPlainJson(value: unknown, where: Where, field: string, path: string, depth: number, ancestors: object[]): void {
  switch (typeof value) {
    case 'string':
      if (hasLoneSurrogate(value)) throw refuse(where, field, path, 'holds a lone UTF-16 surrogate');
      return;
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw refuse(where, field, path, `is ${String(value)}, which JSON turns into null`);
      return;
    case 'object':
      break;
    default:
      throw refuse(where, field, path, `is ${describeType(value)}, which JSON cannot represent`);
  }
  if (value === null) return;
  if (depth >= MAX_JSON_DEPTH) throw refuse(where, field, path, `is nested more than ${String(MAX_JSON_DEPTH)} levels deep`);
  if (ancestors.includes(value)) throw refuse(where, field, path, 'refers back to itself (a cycle)');
  ancestors.push(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      if (!(i in value)) throw refuse(where, field, `${path}[${String(i)}]`, 'is a hole in a sparse array, which JSON turns into null');
      const item: unknown = value[i];
      if (item === undefined) throw refuse(where, field, `${path}[${String(i)}]`, 'is undefined, which JSON turns into null inside an array');
      assertPlainJson(item, where, field, `${path}[${String(i)}]`, depth + 1, ancestors);
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw refuse(where, field, path, `is ${describeType(value)}, which JSON would store in a changed form`);
    }
    if (Object.getOwnPropertySymbols(value).length > 0) throw refuse(where, field, path, 'has symbol keys, which JSON drops');
    for (const name in value) {
      const item: unknown = (value as Record<string, unknown>)[name];
      if (item === undefined) continue;
      if (hasLoneSurrogate(name)) throw refuse(where, field, `${path}.${name}`, 'is a property name with a lone UTF-16 surrogate');
      assertPlainJson(item, where, field, `${path}.${name}`, depth + 1, ancestors);
    }
  }
  ancestors.pop();
}

/**
 * Checks that `value` is strict JSON data and serializes it once. Throws INVALID_ARGUMENT for
 * anything JSON would silently change, and PAYLOAD_TOO_LARGE when the UTF-8 text is larger than
 * `maxBytes`. The returned text is what adapters store (see `RecordPutRequest.serialized`).
 */
export function serializeJson(value: unknown, where: Where, options: { readonly field?: string; readonly maxBytes?: number } = {}): SerializedJson {
  const field = options.field ?? 'value';
  if (value === undefined) throw invalidArgument(where, field, `${field} is undefined; pass JSON data (null is allowed)`);
  assertPlainJson(value, where, field, field, 0, []);
  const text = JSON.stringify(value);
  const max = options.maxBytes ?? Infinity;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > max) throw payloadTooLarge(where, field, bytes, max, `${field} serialized`);
  return { text, bytes };
}
