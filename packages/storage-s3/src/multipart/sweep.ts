import type { StoreContext } from '../context.js';
import { s3Error, throwIfAborted, toStorageError, type ErrorContext } from '../errors.js';
import { STAGING_DIR } from '../layout.js';
import { deleteObject } from './copy.js';
import { listBuckets } from '../bucket.js';
import { listObjectsV2 } from '../list.js';
import { abortUpload, listUploads } from './requests.js';

/** What `sweepIncompleteUploads` takes. */
export interface SweepOptions {
  /** Uploads initiated (and staging objects written) longer ago than this are removed. */
  readonly olderThanHours: number;
  /**
   * Namespaces to sweep. @default with a shared bucket: everything under the adapter's prefix;
   * with a bucket per namespace: every bucket whose name starts with the (non-empty) prefix
   */
  readonly namespaces?: readonly string[];
  readonly signal?: AbortSignal;
  /** Clock in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
}

/** What a sweep removed. */
export interface SweepResult {
  /** Incomplete multipart uploads aborted (their parts are freed). */
  readonly abortedUploads: number;
  /** Staging objects deleted (uploads assembled but never published, e.g. after a crash). */
  readonly deletedStagingObjects: number;
}

interface SweepTarget {
  readonly bucket: string;
  readonly uploadPrefixes: readonly string[];
  readonly stagingPrefix: string;
}

async function targets(store: StoreContext, options: SweepOptions, context: ErrorContext): Promise<SweepTarget[]> {
  const { layout } = store;
  if (options.namespaces !== undefined) {
    return options.namespaces.map((namespace) => {
      const location = layout.locate(namespace, context);
      return { bucket: location.bucket, uploadPrefixes: [location.keyPrefix, location.stagingPrefix], stagingPrefix: location.stagingPrefix };
    });
  }
  const shared = layout.sharedBucket;
  const prefix = store.prefix;
  if (shared !== undefined) return [{ bucket: shared, uploadPrefixes: [prefix], stagingPrefix: `${prefix}${STAGING_DIR}` }];
  if (prefix === '') {
    throw s3Error('INVALID_ARGUMENT', 'with a bucket per namespace and no prefix, name the namespaces to sweep (every bucket of the account would match)', context);
  }
  const buckets = await listBuckets(store.connection);
  return buckets.filter((bucket) => bucket.startsWith(prefix)).map((bucket) => ({ bucket, uploadPrefixes: [''], stagingPrefix: STAGING_DIR }));
}

async function abortStaleUploads(store: StoreContext, bucket: string, prefix: string, cutoff: number, context: ErrorContext): Promise<number> {
  const { connection } = store;
  let aborted = 0;
  let from = { keyMarker: '', uploadIdMarker: '' };
  for (;;) {
    throwIfAborted(context);
    const page = await listUploads(connection, bucket, prefix, from);
    for (const upload of page.uploads) {
      if (upload.initiated.getTime() >= cutoff) continue;
      await abortUpload(connection, { bucket, key: upload.key, uploadId: upload.uploadId });
      aborted += 1;
    }
    if (page.next === undefined) return aborted;
    from = page.next;
  }
}

async function deleteStaleStaging(store: StoreContext, bucket: string, prefix: string, cutoff: number, context: ErrorContext): Promise<number> {
  const { connection } = store;
  let deleted = 0;
  let token = '';
  for (;;) {
    throwIfAborted(context);
    const page = await listObjectsV2(store, bucket, prefix, token, '', 1000);
    for (const entry of page.objects) {
      if (entry.lastModified.getTime() >= cutoff) continue;
      await deleteObject(connection, { bucket, key: entry.key });
      deleted += 1;
    }
    if (page.next === '') return deleted;
    token = page.next;
  }
}

// Prefixes not covered by another one, so no upload is listed twice.
function outermost(prefixes: readonly string[]): string[] {
  const unique = [...new Set(prefixes)];
  return unique.filter((prefix) => !unique.some((other) => other !== prefix && prefix.startsWith(other)));
}

/**
 * Aborts incomplete multipart uploads and deletes staging objects older than `olderThanHours`:
 * what a crashed or abandoned upload leaves behind. Run it periodically (e.g. hourly, with a
 * cutoff longer than any upload may legitimately take, since it also ends resumable uploads).
 */
export async function sweepStore(store: StoreContext, options: SweepOptions): Promise<SweepResult> {
  const context: ErrorContext = { operation: 'blobs.sweep', signal: options.signal };
  if (typeof options.olderThanHours !== 'number' || !(options.olderThanHours >= 0)) {
    throw s3Error('INVALID_ARGUMENT', 'olderThanHours must be a non-negative number', context);
  }
  const cutoff = (options.now ?? Date.now)() - options.olderThanHours * 3_600_000;
  try {
    return await store.connection.withSignal(options.signal, async () => {
      let abortedUploads = 0;
      let deletedStagingObjects = 0;
      for (const target of await targets(store, options, context)) {
        for (const prefix of outermost(target.uploadPrefixes)) abortedUploads += await abortStaleUploads(store, target.bucket, prefix, cutoff, context);
        deletedStagingObjects += await deleteStaleStaging(store, target.bucket, target.stagingPrefix, cutoff, context);
      }
      return { abortedUploads, deletedStagingObjects };
    });
  } catch (error) {
    throw toStorageError(error, context);
  }
}
