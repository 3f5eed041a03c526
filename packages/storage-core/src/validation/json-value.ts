import { hasLoneSurrogate } from './keys.js';
import { describeType, invalidArgument, payloadTooLarge, type Where } from './where.js';

/** Deepest nesting of arrays and objects a value may have. */
export const MAX_JSON_DEPTH = 128;

/** What is wrong and where: path segments collected innermost first while the walk unwinds. */
interface Problem {
  readonly what: string;
  readonly segments: string[];
}

const problem = (what: string): Problem => ({ what, segments: [] });

/**
 * Walks `value` and reports the first place JSON would change or lose data: Dates and other class
 * instances, Map/Set, functions, symbols, BigInt, NaN/±Infinity, undefined in an array, array
 * holes, lone surrogates in strings, cycles, and nesting deeper than
 * {@link MAX_JSON_DEPTH}. `undefined` object properties are allowed (JSON drops them, which reads
 * back the same). `-0` is allowed and reads back as `0` (equal under `===`). Symbol-keyed
 * properties are not looked for (they are not data; checking cost ~170 ns per object, ADR-005).
 * Paths are only built for a failure, so a valid value costs no string work.
 */
function findProblem(value: unknown, depth: number, ancestors: object[]): Problem | undefined {
  switch (typeof value) {
    case 'string':
      return hasLoneSurrogate(value) ? problem('holds a lone UTF-16 surrogate') : undefined;
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : problem(`is ${String(value)}, which JSON turns into null`);
    case 'object':
      break;
    default:
      return problem(`is ${describeType(value)}, which JSON cannot represent`);
  }
  if (value === null) return undefined;
  if (depth >= MAX_JSON_DEPTH) return problem(`is nested more than ${String(MAX_JSON_DEPTH)} levels deep`);
  if (ancestors.includes(value)) return problem('refers back to itself (a cycle)');
  ancestors.push(value);
  let found: Problem | undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && found === undefined; i += 1) {
      const item: unknown = value[i];
      if (item === undefined) {
        found = problem(i in value ? 'is undefined, which JSON turns into null inside an array' : 'is a hole in a sparse array, which JSON turns into null');
      } else found = findProblem(item, depth + 1, ancestors);
      if (found !== undefined) found.segments.push(`[${String(i)}]`);
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return problem(`is ${describeType(value)}, which JSON would store in a changed form`);
    for (const name in value) {
      const item: unknown = (value as Record<string, unknown>)[name];
      if (item === undefined) continue;
      found = hasLoneSurrogate(name) ? problem('is a property name with a lone UTF-16 surrogate') : findProblem(item, depth + 1, ancestors);
      if (found !== undefined) {
        found.segments.push(`.${name}`);
        break;
      }
    }
  }
  ancestors.pop();
  return found;
}

/**
 * Checks that `value` is strict JSON data and serializes it once, returning the JSON text. Throws
 * INVALID_ARGUMENT for anything JSON would silently change, and PAYLOAD_TOO_LARGE when `maxBytes`
 * is given and the UTF-8 text is larger. The text is what adapters store (`RecordPutRequest.serialized`).
 */
export function serializeJson(
  value: unknown,
  where: Where,
  options: { readonly field?: string | (() => string); readonly maxBytes?: number } = {},
): string {
  return jsonText(value, where, options.field, options.maxBytes);
}

/** A field name given as text or (for callers encoding many values) as a function, resolved for an error only. */
function fieldName(field: string | (() => string) | undefined): string {
  return typeof field === 'function' ? field() : (field ?? 'value');
}

/**
 * {@link serializeJson} with its options as arguments: the record hot path calls this, so a put
 * allocates no options object and no closure for the field name.
 */
export function jsonText(value: unknown, where: Where, field: string | (() => string) | undefined, maxBytes: number | undefined): string {
  if (value === undefined) {
    const name = fieldName(field);
    throw invalidArgument(where, name, `${name} is undefined; pass JSON data (null is allowed)`);
  }
  const found = findProblem(value, 0, []);
  if (found !== undefined) {
    const name = fieldName(field);
    const path = name + found.segments.reverse().join('');
    throw invalidArgument(where, name, `${path} ${found.what}; store only JSON data (plain objects, arrays, strings, finite numbers, booleans, null)`);
  }
  const text = JSON.stringify(value);
  // A UTF-16 unit is at most 3 UTF-8 bytes: count exactly only when the text might be too large.
  if (maxBytes !== undefined && text.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > maxBytes) {
      const name = fieldName(field);
      throw payloadTooLarge(where, name, bytes, maxBytes, `${name} serialized`);
    }
  }
  return text;
}
