import { memoryError } from './errors.js';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A decoded listing cursor: what kind of entry the previous page ended on, and its key. */
export interface CursorPosition {
  readonly tag: string;
  readonly key: string;
}

/** Opaque cursor: base64url of a tag and the last key returned. */
export function encodeCursor(tag: string, key: string): string {
  return Buffer.from(`${tag}\u0000${key}`, 'utf8').toString('base64url');
}

/** Decodes a cursor made by `encodeCursor` with one of `tags`; anything else is INVALID_ARGUMENT. */
export function decodeCursor(
  cursor: string,
  tags: readonly string[],
  operation: string,
  namespace: string,
): CursorPosition {
  const invalid = () => memoryError('INVALID_ARGUMENT', 'cursor is not one this store issued', operation, namespace);
  if (typeof cursor !== 'string' || !BASE64URL.test(cursor)) throw invalid();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Buffer decoding is lenient; a round trip proves the cursor is exactly one we could have made.
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw invalid();
  const separator = text.indexOf('\u0000');
  if (separator < 0) throw invalid();
  const tag = text.slice(0, separator);
  if (!tags.includes(tag)) throw invalid();
  return { tag, key: text.slice(separator + 1) };
}
