import { describeType, invalidArgument, type Where } from './where.js';

// C0 controls and DEL; keys are sent to SQL, S3 URLs and Redis keys where these cause trouble.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
// A `..` path segment: harmless in SQL but a traversal in any file or URL-shaped backend.
const DOT_DOT_SEGMENT = /(?:^|[/\\])\.\.(?:$|[/\\])/;

/** The longest key any namespace may configure, in UTF-8 bytes; adapters use it when called directly. */
export const MAX_KEY_BYTES = 4096;

// ES2024's String.prototype.isWellFormed (native in Node 20+); the lib target here is ES2023.
const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** True when `text` holds a UTF-16 surrogate without its partner (no UTF-8 form exists for it). */
export function hasLoneSurrogate(text: string): boolean {
  if (isWellFormed !== undefined) return !isWellFormed.call(text);
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit > 0xdbff) return true;
    const next = text.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
    i += 1;
  }
  return false;
}

/**
 * True when `key` passes {@link assertKey} (the same rules, no error built): lets callers that
 * name the field per item (`messages[i].key`) skip building that name for valid keys.
 */
export function isUsableKey(key: unknown, maxBytes: number = MAX_KEY_BYTES): key is string {
  return (
    typeof key === 'string' &&
    key.length > 0 &&
    (key.length * 3 <= maxBytes || Buffer.byteLength(key, 'utf8') <= maxBytes) &&
    !CONTROL.test(key) &&
    !hasLoneSurrogate(key) &&
    // `..` anywhere is rare: the segment regex runs only then.
    !(key.includes('..') && DOT_DOT_SEGMENT.test(key))
  );
}

/**
 * Throws INVALID_ARGUMENT unless `key` is a usable storage key: a non-empty string of at most
 * `maxBytes` UTF-8 bytes, without control characters, lone surrogates or `..` path segments.
 */
export function assertKey(key: unknown, where: Where, maxBytes: number = MAX_KEY_BYTES, field = 'key'): asserts key is string {
  if (typeof key !== 'string') {
    throw invalidArgument(where, field, `${field} must be a string, got ${describeType(key)}`);
  }
  if (key.length === 0) throw invalidArgument(where, field, `${field} must not be empty`);
  // A UTF-16 unit is at most 3 UTF-8 bytes: skip the exact count for keys that cannot be too long.
  if (key.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(key, 'utf8');
    if (bytes > maxBytes) {
      throw invalidArgument(where, field, `${field} is ${String(bytes)} bytes; the limit for this namespace is ${String(maxBytes)} bytes (UTF-8)`);
    }
  }
  if (CONTROL.test(key)) {
    throw invalidArgument(where, field, `${field} contains a control character (NUL, newline, tab, …); remove it or encode the key`);
  }
  if (hasLoneSurrogate(key)) {
    throw invalidArgument(where, field, `${field} contains a lone UTF-16 surrogate, which has no UTF-8 form; pass well-formed text`);
  }
  if (key.includes('..') && DOT_DOT_SEGMENT.test(key)) {
    throw invalidArgument(where, field, `${field} contains a ".." path segment; keys may not navigate upwards`);
  }
}

/** The listing prefix: `''` when absent or empty, else checked like a key. */
export function prefixOf(prefix: unknown, where: Where, maxBytes: number = MAX_KEY_BYTES): string {
  if (prefix === undefined || prefix === '') return '';
  assertKey(prefix, where, maxBytes, 'prefix');
  return prefix;
}

/** Throws INVALID_ARGUMENT unless `keys` is an array of valid keys (for getMany / deleteMany). */
export function assertKeyList(keys: unknown, where: Where, maxBytes: number = MAX_KEY_BYTES, max: number = MAX_BATCH): asserts keys is readonly string[] {
  if (!Array.isArray(keys)) throw invalidArgument(where, 'keys', `keys must be an array of strings, got ${describeType(keys)}`);
  if (keys.length > max) throw invalidArgument(where, 'keys', `keys holds ${String(keys.length)} keys; at most ${String(max)} per call`);
  keys.forEach((key: unknown, i) => assertKey(key, where, maxBytes, `keys[${String(i)}]`));
}

/** Most keys or entries one bulk call may carry. */
export const MAX_BATCH = 1000;
