import { adapterError, type ErrorContext } from './errors.js';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const TAG = 'pg1';

/** Opaque listing cursor: base64url of a format tag and the last key returned. */
export function encodeCursor(key: string): string {
  return Buffer.from(`${TAG}\u0000${key}`, 'utf8').toString('base64url');
}

/** The key a cursor made by `encodeCursor` resumes after; anything else is INVALID_ARGUMENT. */
export function decodeCursor(cursor: unknown, context: ErrorContext): string {
  const invalid = () => adapterError('INVALID_ARGUMENT', 'cursor is not one this store issued', context, { field: 'cursor' });
  if (typeof cursor !== 'string' || !BASE64URL.test(cursor)) throw invalid();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Buffer decoding is lenient; a round trip proves the cursor is exactly one we could have made.
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw invalid();
  const prefix = `${TAG}\u0000`;
  if (!text.startsWith(prefix) || text.length === prefix.length) throw invalid();
  const key = text.slice(prefix.length);
  if (key.includes('\u0000')) throw invalid();
  return key;
}

const MAX_CODE_POINT = 0x10ffff;

/**
 * The smallest string greater than every string that starts with `prefix`, in the byte order of
 * UTF-8 (= code point order, which is how the `C` collation compares). `key >= prefix AND key <
 * upper` is then exactly "starts with prefix" and an index range. `undefined` when no such
 * string exists (empty prefix, or only U+10FFFF code points).
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix, (char) => char.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last === MAX_CODE_POINT) continue;
    // Surrogate code points never occur in well-formed strings: jump over them.
    const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
    points.push(next);
    return String.fromCodePoint(...points);
  }
  return undefined;
}
