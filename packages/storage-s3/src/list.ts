import { decodeListingCursor, encodeListingCursor, invalidArgument, validateBlobList, type BlobListPage, type BlobListRequest, type BlobMeta, type Where } from '@sanctum/storage-core';
import type { StoreContext } from './context.js';
import { S3_ADAPTER, rethrowMapped, throwIfAborted, type ErrorContext } from './errors.js';
import { S3_MAX_KEY_BYTES, STAGING_DIR } from './layout.js';

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
  const result = await store.connection
    .withSignal(request.signal, () =>
      store.connection.client.listObjectsV2Query(location.bucket, base + (request.prefix ?? ''), token, request.delimiter ?? '', limit, ''),
    )
    .catch(rethrowMapped(context));
  // With a bucket per namespace the staging area shares the key space: keep it out of listings.
  const hidden = (key: string) => base === '' && key.startsWith(STAGING_DIR);
  const items: BlobMeta[] = [];
  const prefixes: string[] = [];
  for (const entry of result.objects) {
    if (entry.prefix !== undefined) {
      if (!hidden(entry.prefix)) prefixes.push(entry.prefix.slice(base.length));
    } else if (!hidden(entry.name)) {
      const { etag } = entry;
      items.push({ key: entry.name.slice(base.length), size: Number(entry.size), etag, version: etag, lastModified: entry.lastModified, metadata: {} });
    }
  }
  const next = String(result.isTruncated) === 'true' ? result.nextContinuationToken : '';
  return next === '' ? { items, prefixes } : { items, prefixes, cursor: encodeCursor(request, next) };
}
