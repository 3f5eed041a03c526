import { decodeListingCursor, encodeListingCursor, invalidArgument, type Listing, type Where } from '@sanctum/storage-core';

/** Opaque listing cursor bound to its namespace and prefix (core's format), holding the last key returned. */
export function encodeCursor(listing: Listing, key: string): string {
  return encodeListingCursor(listing, key);
}

/** The key a cursor made by `encodeCursor` for this listing resumes after; anything else is INVALID_ARGUMENT. */
export function decodeCursor(cursor: unknown, listing: Listing, where: Where): string {
  const key = decodeListingCursor(cursor, listing, where);
  if (key.length === 0 || key.includes('\u0000')) throw invalidArgument(where, 'cursor', 'cursor is not one this store issued');
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
