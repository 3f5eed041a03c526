import { createHash } from 'node:crypto';
import type { BlobListPage, BlobListRequest, BlobMeta } from '@sanctum/storage-core/spi';
import type { StoreContext } from './context.js';
import { rethrowMapped, s3Error, throwIfAborted, type ErrorContext } from './errors.js';
import { STAGING_DIR } from './layout.js';

const CURSOR_VERSION = 's3c1';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

// Binds a cursor to the listing it came from: S3 continuation tokens mean nothing for another one.
function fingerprint(request: BlobListRequest): string {
  const text = [request.namespace, request.prefix ?? '', request.delimiter ?? ''].join('\u0000');
  return createHash('sha256').update(text).digest('base64url').slice(0, 12);
}

/** An opaque cursor wrapping S3's continuation token. */
export function encodeCursor(request: BlobListRequest, token: string): string {
  return Buffer.from(`${CURSOR_VERSION}.${fingerprint(request)}.${token}`, 'utf8').toString('base64url');
}

/** The continuation token of a cursor from {@link encodeCursor} for this same listing; else INVALID_ARGUMENT. */
export function decodeCursor(request: BlobListRequest, cursor: string, context: ErrorContext): string {
  const invalid = () => s3Error('INVALID_ARGUMENT', 'cursor is not one this store issued for this listing', context);
  if (typeof cursor !== 'string' || !BASE64URL.test(cursor)) throw invalid();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw invalid();
  const [version, print, ...rest] = text.split('.');
  const token = rest.join('.');
  if (version !== CURSOR_VERSION || print !== fingerprint(request) || token === '') throw invalid();
  return token;
}

function pageLimit(limit: number | undefined, context: ErrorContext): number {
  if (limit === undefined) return 100;
  if (!Number.isInteger(limit) || limit < 1) throw s3Error('INVALID_ARGUMENT', 'limit must be a positive integer', context);
  return Math.min(limit, 1000);
}

/**
 * One page of ListObjectsV2 under the namespace's key prefix. Objects and common prefixes both count
 * towards `limit`, as in S3. Listings carry no user metadata or content type (S3 does not return
 * them); `etag` and `version` match what `head` reports.
 */
export async function listBlobs(store: StoreContext, request: BlobListRequest): Promise<BlobListPage> {
  const context: ErrorContext = { operation: 'blobs.list', namespace: request.namespace, signal: request.signal };
  throwIfAborted(context);
  const limit = pageLimit(request.limit, context);
  if (request.delimiter === '') throw s3Error('INVALID_ARGUMENT', 'delimiter must not be empty', context);
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
