import { type BlobMeta } from '@sanctum/storage-core';
import { decodeListingCursor, encodeListingCursor, invalidArgument, validateBlobList, type BlobListPage, type BlobListRequest, type Where } from '@sanctum/storage-core/spi';
import type { StoreContext } from './context.js';
import { S3_ADAPTER, rethrowMapped, throwIfAborted, type ErrorContext } from './errors.js';
import { S3_MAX_KEY_BYTES, STAGING_DIR } from './layout.js';
import { unquote } from './headers.js';
import { XMLParser } from 'fast-xml-parser';

// Every value stays text: a key such as `007`, `0x10` or `1.50` is a name, not a number (minio's own
// listing parser turns those into 7, 16 and 1.5, and `0` into ''). Keys and prefixes come
// URL-encoded (`encoding-type=url`), so no whitespace of theirs is at the mercy of the XML parser.
const listingXml = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'Contents' || name === 'CommonPrefixes' });

/** Percent-encoding for a signed query value (RFC 3986: also `!'()*`). */
function queryValue(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A key or prefix as listed with `encoding-type=url` (`+` is a space; `%2B` a plus). */
export function listedKey(encoded: unknown): string {
  return decodeURIComponent(String(encoded).replace(/\+/g, ' '));
}

/** One page of ListObjectsV2, every key decoded. */
export interface ListedPage {
  readonly objects: ReadonlyArray<{ readonly key: string; readonly size: number; readonly etag: string; readonly lastModified: Date }>;
  readonly prefixes: readonly string[];
  readonly next: string;
}

/** One ListObjectsV2 request, parsed with every value kept as text. */
export async function listObjectsV2(store: StoreContext, bucket: string, prefix: string, token: string, delimiter: string, limit: number): Promise<ListedPage> {
  const query = [
    'list-type=2',
    'encoding-type=url',
    `prefix=${queryValue(prefix)}`,
    `delimiter=${queryValue(delimiter)}`,
    `max-keys=${String(Math.min(limit, 1000))}`,
    ...(token === '' ? [] : [`continuation-token=${queryValue(token)}`]),
  ].sort();
  const { text } = await store.connection.requestText({ method: 'GET', bucketName: bucket, query: query.join('&') });
  const parsed = listingXml.parse(text) as { ListBucketResult?: Record<string, unknown> };
  // An empty page has neither element; a malformed answer lists nothing and has no next page.
  const result: Record<string, unknown> = Object.assign({ Contents: [], CommonPrefixes: [] }, parsed.ListBucketResult);
  const contents = result['Contents'] as Array<Record<string, unknown>>;
  const common = result['CommonPrefixes'] as Array<Record<string, unknown>>;
  return {
    objects: contents.map((entry) => ({
      key: listedKey(entry['Key']),
      size: Number(entry['Size']),
      etag: unquote(String(entry['ETag'])),
      lastModified: new Date(String(entry['LastModified'])),
    })),
    prefixes: common.map((entry) => listedKey(entry['Prefix'])),
    next: result['IsTruncated'] === 'true' ? String(result['NextContinuationToken']) : '',
  };
}

/** Where a list check runs, for core's validation module. */
function whereOf(context: ErrorContext): Where {
  return { operation: context.operation, namespace: context.namespace, adapter: S3_ADAPTER };
}

/** An opaque cursor wrapping S3's continuation token, bound to this listing (core's format). */
export function encodeCursor(request: BlobListRequest, token: string): string {
  return encodeListingCursor(request, token);
}

/** The continuation token of a cursor from {@link encodeCursor} for this same listing; else INVALID_ARGUMENT. */
export function decodeCursor(request: BlobListRequest, cursor: string, context: ErrorContext): string {
  const where = whereOf(context);
  const token = decodeListingCursor(cursor, request, where);
  if (token === '') throw invalidArgument(where, 'cursor', 'cursor is not one this store issued');
  return token;
}

/**
 * One page of ListObjectsV2 under the namespace's key prefix. Objects and common prefixes both count
 * towards `limit`, as in S3. Listings carry no user metadata or content type (S3 does not return
 * them); `etag` and `version` match what `head` reports.
 */
export async function listBlobs(store: StoreContext, request: BlobListRequest): Promise<BlobListPage> {
  const context: ErrorContext = { operation: 'blobs.list', namespace: request.namespace, signal: request.signal };
  throwIfAborted(context);
  const { limit } = validateBlobList(request, whereOf(context), { maxKeyBytes: S3_MAX_KEY_BYTES });
  const token = request.cursor === undefined ? '' : decodeCursor(request, request.cursor, context);
  const location = store.layout.locate(request.namespace, context);
  await store.ensureBucket(location, context);
  const base = location.keyPrefix;
  const page = await store.connection
    .withSignal(request.signal, () => listObjectsV2(store, location.bucket, base + (request.prefix ?? ''), token, request.delimiter ?? '', limit))
    .catch(rethrowMapped(context));
  // With a bucket per namespace the staging area shares the key space: keep it out of listings.
  const hidden = (key: string) => base === '' && key.startsWith(STAGING_DIR);
  const items: BlobMeta[] = [];
  const prefixes: string[] = [];
  for (const prefix of page.prefixes) if (!hidden(prefix)) prefixes.push(prefix.slice(base.length));
  for (const entry of page.objects) {
    if (hidden(entry.key)) continue;
    items.push({ key: entry.key.slice(base.length), size: entry.size, etag: entry.etag, version: entry.etag, lastModified: entry.lastModified, metadata: {} });
  }
  const next = page.next;
  return next === '' ? { items, prefixes } : { items, prefixes, cursor: encodeCursor(request, next) };
}
