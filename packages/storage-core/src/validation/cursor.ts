import { invalidArgument, type Where } from './where.js';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** What a cursor is bound to: one namespace's listing with one prefix (and delimiter, for blobs). */
export interface Listing {
  readonly namespace: string;
  readonly prefix?: string | undefined;
  readonly delimiter?: string | undefined;
}

/**
 * Wraps an adapter's own position (the last key, a continuation token, …) into an opaque cursor
 * bound to `listing`, so a cursor cannot be replayed against another namespace or prefix.
 */
export function encodeListingCursor(listing: Listing, position: string): string {
  const bound = [listing.namespace, listing.prefix ?? '', listing.delimiter ?? '', position];
  return Buffer.from(JSON.stringify(bound), 'utf8').toString('base64url');
}

/**
 * The position inside a cursor made by {@link encodeListingCursor} for this same listing. Anything
 * else — garbage, or a cursor of another namespace, prefix or delimiter — is INVALID_ARGUMENT.
 */
export function decodeListingCursor(cursor: unknown, listing: Listing, where: Where): string {
  const invalid = (why: string) => invalidArgument(where, 'cursor', `cursor ${why}; pass the cursor of the previous page of this same listing`);
  if (typeof cursor !== 'string' || !BASE64URL.test(cursor)) throw invalid('is not one this store issued');
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Buffer decoding is lenient; a round trip proves the cursor is exactly one we could have made.
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw invalid('is not one this store issued');
  let bound: unknown;
  try {
    bound = JSON.parse(text);
  } catch {
    throw invalid('is not one this store issued');
  }
  if (!Array.isArray(bound) || bound.length !== 4 || !bound.every((part) => typeof part === 'string')) throw invalid('is not one this store issued');
  const [namespace, prefix, delimiter, position] = bound as [string, string, string, string];
  if (namespace !== listing.namespace) throw invalid('belongs to another namespace');
  if (prefix !== (listing.prefix ?? '') || delimiter !== (listing.delimiter ?? '')) throw invalid('belongs to a listing with another prefix or delimiter');
  return position;
}
