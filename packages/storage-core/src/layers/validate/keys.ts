import { StorageError } from '../../errors/index.js';

// C0 controls and DEL; keys are sent to SQL, S3 URLs and Redis keys where these cause trouble.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
// A `..` path segment: harmless in SQL but a traversal in any file or URL-shaped backend.
const DOT_DOT_SEGMENT = /(?:^|[/\\])\.\.(?:$|[/\\])/;

interface Where {
  readonly operation: string;
  readonly namespace: string;
}

function invalid(where: Where, message: string, field: string): StorageError {
  return new StorageError('INVALID_ARGUMENT', message, { ...where, details: { field } });
}

/** Throws INVALID_ARGUMENT unless `key` is a usable storage key of at most `maxBytes` UTF-8 bytes. */
export function assertValidKey(key: unknown, maxBytes: number, where: Where, field = 'key'): asserts key is string {
  if (typeof key !== 'string') {
    throw invalid(where, `${field} must be a string, got ${key === null ? 'null' : typeof key}`, field);
  }
  if (key.length === 0) throw invalid(where, `${field} must not be empty`, field);
  // A UTF-16 unit is at most 3 UTF-8 bytes: skip the exact count for keys that cannot be too long.
  if (key.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(key, 'utf8');
    if (bytes > maxBytes) {
      throw invalid(where, `${field} is ${bytes} bytes; the limit for this namespace is ${maxBytes} bytes (UTF-8)`, field);
    }
  }
  if (CONTROL.test(key)) {
    throw invalid(where, `${field} contains a control character (NUL, newline, tab, …); remove it or encode the key`, field);
  }
  if (DOT_DOT_SEGMENT.test(key)) {
    throw invalid(where, `${field} contains a ".." path segment; keys may not navigate upwards`, field);
  }
}

/** Throws INVALID_ARGUMENT unless `value` is a positive integer no larger than `max`. */
export function assertLimit(value: unknown, max: number, where: Where, field = 'limit'): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(where, `${field} must be an integer from 1 to ${max}, got ${String(value)}`, field);
  }
}

/** Throws INVALID_ARGUMENT unless `value` is a non-negative integer (a duration or size). */
export function assertNonNegativeInt(value: unknown, where: Where, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalid(where, `${field} must be a non-negative integer, got ${String(value)}`, field);
  }
}

/** Throws INVALID_ARGUMENT when both `ifMatch` and `ifNoneMatch` are given, or either is malformed. */
export function assertConditions(
  conditions: { readonly ifMatch?: unknown; readonly ifNoneMatch?: unknown },
  where: Where,
): void {
  const { ifMatch, ifNoneMatch } = conditions;
  if (ifMatch !== undefined && (typeof ifMatch !== 'string' || ifMatch.length === 0)) {
    throw invalid(where, 'ifMatch must be a non-empty ETag string from a previous read or write', 'ifMatch');
  }
  if (ifNoneMatch !== undefined && ifNoneMatch !== '*') {
    throw invalid(where, `ifNoneMatch only accepts '*' (create only), got ${JSON.stringify(ifNoneMatch)}`, 'ifNoneMatch');
  }
  if (ifMatch !== undefined && ifNoneMatch !== undefined) {
    throw invalid(where, 'ifMatch and ifNoneMatch cannot be combined; use one precondition', 'ifNoneMatch');
  }
}
