import type { JsonValue, WriteConditions } from '@sanctum/storage-core/spi';
import { adapterError, type ErrorContext } from './errors.js';

// PostgreSQL text cannot hold NUL; a lone surrogate cannot be encoded as UTF-8 (it would be
// silently replaced, so two keys would collide).
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|\p{Surrogate}/u;

/** INVALID_ARGUMENT unless `key` is a non-empty string PostgreSQL can store as given. */
export function assertKey(key: unknown, context: ErrorContext, field = 'key'): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw adapterError('INVALID_ARGUMENT', `${field} must be a non-empty string`, context, { field });
  }
  if (UNSTORABLE.test(key)) {
    throw adapterError('INVALID_ARGUMENT', `${field} contains a NUL character or a lone surrogate, which PostgreSQL text cannot store`, context, {
      field,
    });
  }
}

/** INVALID_ARGUMENT unless `prefix` is absent or a string PostgreSQL can store. */
export function assertPrefix(prefix: unknown, context: ErrorContext): string {
  if (prefix === undefined || prefix === '') return '';
  assertKey(prefix, context, 'prefix');
  return prefix;
}

/** The value as JSON text; INVALID_ARGUMENT when it has no JSON form. */
export function serialize(value: JsonValue, context: ErrorContext): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    throw adapterError('INVALID_ARGUMENT', 'value is not JSON-serializable (a cycle or a BigInt?)', context, { field: 'value' });
  }
  if (json === undefined) throw adapterError('INVALID_ARGUMENT', 'value must be a JSON value', context, { field: 'value' });
  return json;
}

/** Which kind of conditional write a request asks for; INVALID_ARGUMENT when malformed. */
export function conditionOf(conditions: WriteConditions, context: ErrorContext): 'none' | 'match' | 'create' {
  const { ifMatch, ifNoneMatch } = conditions;
  if (ifMatch !== undefined && ifNoneMatch !== undefined) {
    throw adapterError('INVALID_ARGUMENT', 'ifMatch and ifNoneMatch are mutually exclusive', context, { field: 'ifMatch' });
  }
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch !== '*') throw adapterError('INVALID_ARGUMENT', "ifNoneMatch accepts only '*'", context, { field: 'ifNoneMatch' });
    return 'create';
  }
  if (ifMatch === undefined) return 'none';
  if (typeof ifMatch !== 'string' || ifMatch === '') {
    throw adapterError('INVALID_ARGUMENT', 'ifMatch must be a non-empty string', context, { field: 'ifMatch' });
  }
  // No ETag this store issues contains these, and PostgreSQL could not even compare them.
  if (UNSTORABLE.test(ifMatch)) throw preconditionFailed(context);
  return 'match';
}

/** The TTL in milliseconds, or null; INVALID_ARGUMENT unless a positive finite number. */
export function ttlOf(ttlMs: unknown, context: ErrorContext): number | null {
  if (ttlMs === undefined) return null;
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw adapterError('INVALID_ARGUMENT', 'ttlMs must be a positive number', context, { field: 'ttlMs' });
  }
  return ttlMs;
}

/** The page size: default 100, clamped to 1000; anything but a positive integer is refused. */
export function pageLimit(limit: unknown, context: ErrorContext): number {
  if (limit === undefined) return 100;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw adapterError('INVALID_ARGUMENT', 'limit must be a positive integer', context, { field: 'limit' });
  }
  return Math.min(limit, 1000);
}

/** The error of an `ifMatch` that does not match the current ETag (or of an absent key). */
export function preconditionFailed(context: ErrorContext): ReturnType<typeof adapterError> {
  return adapterError('PRECONDITION_FAILED', 'ifMatch does not match the current ETag', context);
}
