import { decodeListingCursor, encodeListingCursor, invalidArgument, type Listing, type Where } from '../validation/index.js';

/** A decoded listing cursor: what kind of entry the previous page ended on, and its key. */
export interface CursorPosition {
  readonly tag: string;
  readonly key: string;
}

/** Opaque cursor bound to its listing (core's format): a tag and the last key returned. */
export function encodeCursor(listing: Listing, tag: string, key: string): string {
  return encodeListingCursor(listing, `${tag}\u0000${key}`);
}

/** Decodes a cursor made by `encodeCursor` for this listing with one of `tags`; anything else is INVALID_ARGUMENT. */
export function decodeCursor(cursor: unknown, tags: readonly string[], listing: Listing, where: Where): CursorPosition {
  const position = decodeListingCursor(cursor, listing, where);
  const separator = position.indexOf('\u0000');
  const tag = position.slice(0, Math.max(separator, 0));
  if (separator < 0 || !tags.includes(tag)) throw invalidArgument(where, 'cursor', 'cursor is not one this store issued');
  return { tag, key: position.slice(separator + 1) };
}
