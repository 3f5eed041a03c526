import type { BlobMeta, BlobWriteResult, HealthReport } from '@sanctum/storage-core';
import type { AdapterContext, BlobCapabilities, BlobDeleteRequest, BlobGetRequest, BlobHeadRequest, BlobListPage, BlobListRequest, BlobObject, BlobPresignRequest, BlobPutRequest, BlobReplaceMetadataRequest, BlobStore } from '@sanctum/storage-core/spi';
import { createNoopLogger } from '@sanctum/storage-core';
import { assertKey, validateBlobGet, validateBlobPresign, validateBlobPut, type Where } from '@sanctum/storage-core/spi';
import { createBucket, listBuckets, objectLockEnabled } from './bucket.js';
import { S3Connection, mappedBody } from './client.js';
import type { StoreContext } from './context.js';
import { Leftovers, type LeftoverTiming } from './multipart/leftovers.js';
import { S3_ADAPTER, s3Error, throwIfAborted, toStorageError, type ErrorContext } from './errors.js';
import { contentLength, contentRange, metaOf, objectHeaders } from './headers.js';
import { Layout, S3_MAX_KEY_BYTES, type NamespaceLocation } from './layout.js';
import { listBlobs } from './list.js';
import { copyObject, deleteObject } from './multipart/copy.js';
import { initiateUpload } from './multipart/requests.js';
import {
  S3ResumableUpload,
  UPLOAD_STATE_FORMAT,
  assertUploadState,
  hashUploadedPrefix,
  verifyUploadState,
  type CreateUploadRequest,
  type ResumableUpload,
  type ResumeUploadOptions,
} from './multipart/resumable.js';
import { sweepStore, type SweepOptions, type SweepResult } from './multipart/sweep.js';
import { resolveOptions, type ResolvedS3Options, type S3BlobStoreOptions } from './options.js';
import { putBlob } from './put.js';
import { lockOf, lockedPutConditions, overwriteRefused } from './worm.js';

/**
 * What this adapter declares by default (see the README's capability table); `acl` follows
 * `cannedAcl`. Create-only puts are single PUTs (bodies up to `multipartThreshold`); Ceph RGW
 * answers racing If-Match PUTs with 500 and ignores If-Match on DELETE, so compare-and-swap and
 * conditional deletes are refused.
 */
export const S3_CAPABILITIES: BlobCapabilities = Object.freeze({
  createOnly: true,
  compareAndSwap: false,
  conditionalDelete: false,
  conditionalRead: true,
  rangeRead: true,
  delimiter: true,
  presign: true,
  acl: true,
});

/** The S3 blob store: the SPI plus resumable uploads and the stale-upload sweep. */
export interface S3BlobStore extends BlobStore {
  presign(request: BlobPresignRequest): Promise<string>;
  /** Replaces user metadata and content type by a server-side copy onto itself (no data moves). */
  replaceMetadata(request: BlobReplaceMetadataRequest): Promise<BlobWriteResult>;
  close(): Promise<void>;
  /** Starts an upload whose progress can be persisted and resumed after a restart. */
  createUpload(request: CreateUploadRequest): Promise<ResumableUpload>;
  /** Continues an upload from a state `onProgress` reported (also in another process). */
  resumeUpload(state: unknown, options?: ResumeUploadOptions): Promise<ResumableUpload>;
  /** Aborts incomplete uploads and deletes staging objects older than the cutoff. */
  sweepIncompleteUploads(options: SweepOptions): Promise<SweepResult>;
}

/** Knobs for tests and unusual servers; not part of the config. */
export interface S3StoreTuning {
  /** Largest object copied with one CopyObject. @default 5 GiB (the S3 limit) */
  readonly maxSingleCopyBytes?: number;
  /** Tries per part for retryable failures (a stream cannot be replayed, a buffered part can). @default 3 */
  readonly partAttempts?: number;
  /** Where warnings go (e.g. a staging object that could not be deleted). @default no-op */
  readonly logger?: AdapterContext['logger'];
  /** Retry timing of cleanup that could not reach the server (a failed put's upload abort, a staging delete). */
  readonly leftovers?: LeftoverTiming;
}

const GIB = 1024 ** 3;

class S3Store implements S3BlobStore {
  readonly kind = 'blob' as const;
  readonly name = S3_ADAPTER;
  readonly capabilities: BlobCapabilities;
  readonly #options: ResolvedS3Options;
  readonly #context: StoreContext;
  readonly #connection: S3Connection;
  readonly #buckets = new Map<string, Promise<void>>();

  constructor(options: ResolvedS3Options, tuning: S3StoreTuning) {
    this.#options = options;
    // In WORM mode a create-only put is a HEAD then a PUT (RGW ignores If-None-Match on Object Lock
    // buckets): not one atomic step, so `createOnly` is not declared.
    const worm = options.objectLock !== undefined;
    const plain = options.cannedAcl ? S3_CAPABILITIES : Object.freeze({ ...S3_CAPABILITIES, acl: false });
    this.capabilities = worm ? Object.freeze({ ...plain, createOnly: false, worm: true }) : plain;
    this.#connection = new S3Connection(options);
    const logger = tuning.logger ?? createNoopLogger();
    this.#context = {
      connection: this.#connection,
      layout: new Layout(options),
      parts: { partSize: options.partSize, parallelParts: options.parallelParts, partAttempts: tuning.partAttempts ?? 3 },
      copy: { maxSingleCopyBytes: tuning.maxSingleCopyBytes ?? 5 * GIB, partSize: options.partSize, parallelParts: options.parallelParts },
      multipartThreshold: options.multipartThreshold,
      prefix: options.prefix,
      logger,
      leftovers: new Leftovers(logger, tuning.leftovers),
      ensureBucket: (location, context) => this.#ensureBucket(location, context),
    };
  }

  async open(): Promise<void> {
    const bucket = this.#options.bucket;
    if (bucket !== undefined) await this.#ensureBucket({ bucket, keyPrefix: '', stagingPrefix: '' }, { operation: 'blobs.open' });
  }

  async close(): Promise<void> {
    await this.#context.leftovers.close();
    this.#connection.close();
  }

  async health(): Promise<HealthReport> {
    const started = performance.now();
    const bucket = this.#options.bucket;
    try {
      await this.#connection.withSignal(AbortSignal.timeout(this.#options.requestTimeoutMs), async () => {
        if (bucket === undefined) await listBuckets(this.#connection);
        else (await this.#connection.request({ method: 'HEAD', bucketName: bucket })).resume();
      });
      return { ok: true, latencyMs: performance.now() - started, details: { endPoint: this.#options.endPoint, ...(bucket === undefined ? {} : { bucket }) } };
    } catch (error) {
      const mapped = toStorageError(error, { operation: 'blobs.health' });
      return { ok: false, latencyMs: performance.now() - started, details: { endPoint: this.#options.endPoint, code: mapped.code, reason: mapped.message } };
    }
  }

  async put(request: BlobPutRequest): Promise<BlobWriteResult> {
    if (request.acl !== undefined && !this.capabilities.acl) {
      throw s3Error('UNSUPPORTED', 'this store was configured without canned ACLs (capability "acl")', this.#where('blobs.put', request));
    }
    const context = this.#where('blobs.put', request);
    validateBlobPut(request, whereOf(context), { maxKeyBytes: S3_MAX_KEY_BYTES });
    const lock = this.#options.objectLock;
    if (lock === undefined) return putBlob(this.#context, request);
    // Ceph RGW ignores If-None-Match on Object Lock (versioned) buckets (measured), so a HEAD comes
    // first. A racing create can slip between the two: the server then keeps both versions, each
    // locked (docs/ledger.md).
    if (request.ifNoneMatch !== undefined) {
      throw s3Error('UNSUPPORTED', 'ifNoneMatch is not supported by a WORM (objectLock) store: Ceph RGW ignores If-None-Match on Object Lock buckets (capability "createOnly")', context, {
        details: { field: 'ifNoneMatch' },
      });
    }
    const { location, key } = this.#locate(request, context);
    if ((await this.#lockedBecause(location, key, request.signal, context)) !== null) throw overwriteRefused(request, context);
    return putBlob(this.#context, request, lockedPutConditions(lock, Date.now()));
  }

  async get(request: BlobGetRequest): Promise<BlobObject | undefined> {
    const context = this.#where('blobs.get', request);
    validateBlobGet(request, whereOf(context), { maxKeyBytes: S3_MAX_KEY_BYTES });
    const { location, key } = this.#locate(request, context);
    const headers: Record<string, string> = {};
    if (request.range !== undefined) {
      const { start, end } = request.range;
      headers['range'] = `bytes=${String(start)}-${end === undefined ? '' : String(end)}`;
    }
    if (request.ifMatch !== undefined) headers['if-match'] = `"${request.ifMatch.replace(/^"|"$/g, '')}"`;
    try {
      await this.#ensureBucket(location, context);
      const response = await this.#connection.withSignal(request.signal, () =>
        this.#connection.request({ method: 'GET', bucketName: location.bucket, objectName: key, headers }, '', [200, 206]),
      );
      const range = response.statusCode === 206 ? contentRange(response.headers) : undefined;
      const meta = metaOf(request.key, response.headers, range?.size ?? contentLength(response.headers));
      const body = mappedBody(response, context);
      return range === undefined ? { meta, body } : { meta, body, range: { start: range.start, end: range.end } };
    } catch (error) {
      const mapped = toStorageError(error, context);
      // NoSuchKey (a missing bucket is CONFIG_INVALID, not NOT_FOUND).
      if (mapped.code === 'NOT_FOUND') return undefined;
      throw mapped;
    }
  }

  async head(request: BlobHeadRequest): Promise<BlobMeta | undefined> {
    const context = this.#where('blobs.head', request);
    const { location, key } = this.#locate(request, context);
    return this.#head(location, key, request.key, request.signal, context);
  }

  async delete(request: BlobDeleteRequest): Promise<boolean> {
    const context = this.#where('blobs.delete', request);
    if (request.ifMatch !== undefined) {
      // Ceph RGW ignores If-Match on DELETE (the object would be deleted anyway): refuse it.
      throw s3Error('UNSUPPORTED', 'conditional deletes are not supported by this adapter (capability "conditionalDelete": Ceph RGW ignores If-Match on DELETE); delete without ifMatch', context);
    }
    const { location, key } = this.#locate(request, context);
    if (this.#options.objectLock !== undefined) {
      // A WORM store: refuse what the server would only hide behind a delete marker.
      const why = await this.#lockedBecause(location, key, request.signal, context);
      if (why === null) return false;
      if (why !== undefined) throw s3Error('RETENTION_LOCKED', `the object cannot be deleted: ${why} (S3 Object Lock)`, context, { details: { key: request.key } });
    }
    // S3 answers 204 whether or not the key existed: a HEAD tells the caller which it was.
    const existed = (await this.#head(location, key, request.key, request.signal, context)) !== undefined;
    if (!existed) return false;
    try {
      await this.#connection.withSignal(request.signal, () => deleteObject(this.#connection, { bucket: location.bucket, key }));
      return true;
    } catch (error) {
      throw toStorageError(error, context);
    }
  }

  /**
   * A server-side copy of the object onto itself with `x-amz-metadata-directive: REPLACE` and
   * `x-amz-copy-source-if-match`: no object bytes pass through this process (key rotation).
   */
  async replaceMetadata(request: BlobReplaceMetadataRequest): Promise<BlobWriteResult> {
    const context = this.#where('blobs.replaceMetadata', request);
    const { location, key } = this.#locate(request, context);
    const current = await this.#head(location, key, request.key, request.signal, context);
    if (current === undefined) throw s3Error('NOT_FOUND', 'no object under this key', context);
    if (current.etag !== request.ifMatch) throw s3Error('PRECONDITION_FAILED', 'ifMatch does not match the current ETag', context);
    const headers = {
      ...objectHeaders({ contentType: request.contentType, metadata: request.metadata }),
      'x-amz-copy-source-if-match': `"${request.ifMatch}"`,
    };
    const target = { bucket: location.bucket, key };
    try {
      const etag = await this.#connection.withSignal(request.signal, () => copyObject(this.#connection, target, target, current.size, headers, this.#context.copy));
      return { etag: etag ?? current.etag, version: etag ?? current.etag, size: current.size };
    } catch (error) {
      throw toStorageError(error, context);
    }
  }

  list(request: BlobListRequest): Promise<BlobListPage> {
    return listBlobs(this.#context, request);
  }

  async presign(request: BlobPresignRequest): Promise<string> {
    const context = this.#where('blobs.presign', request);
    validateBlobPresign(request, whereOf(context), { maxKeyBytes: S3_MAX_KEY_BYTES });
    const { location, key } = this.#locate(request, context);
    const seconds = request.expiresInSeconds;
    // This store may be configured with a shorter lifetime than core's 7-day bound.
    const max = this.#options.maxPresignExpirySeconds;
    if (seconds > max) {
      throw s3Error('INVALID_ARGUMENT', `expiresInSeconds must be an integer from 1 to ${String(max)}`, context, { details: { field: 'expiresInSeconds' } });
    }
    return this.#connection.presignedUrl(request.method, location.bucket, key, seconds);
  }

  async createUpload(request: CreateUploadRequest): Promise<ResumableUpload> {
    const context = this.#where('blobs.createUpload', request);
    const { location } = this.#locate(request, context);
    const uploadKey = this.#context.layout.stagingKey(location);
    try {
      await this.#ensureBucket(location, context);
      // Not cancelled by the signal: a cut-short initiation would leave an upload nobody knows the id of.
      const uploadId = await this.#connection.withSignal(undefined, () => initiateUpload(this.#connection, location.bucket, uploadKey, {}));
      const state = {
        format: UPLOAD_STATE_FORMAT,
        namespace: request.namespace,
        key: request.key,
        bucket: location.bucket,
        uploadKey,
        uploadId,
        partSize: this.#options.partSize,
        parts: [],
        bytes: 0,
        ...(request.contentType === undefined ? {} : { contentType: request.contentType }),
        metadata: Object.fromEntries(Object.entries(request.metadata ?? {}).map(([name, value]) => [name.toLowerCase(), value])),
        ...(request.acl === undefined ? {} : { acl: request.acl }),
        createdAt: new Date().toISOString(),
      } as const;
      return new S3ResumableUpload(this.#context, state, request, 'blobs.upload');
    } catch (error) {
      throw toStorageError(error, context);
    }
  }

  async resumeUpload(state: unknown, options: ResumeUploadOptions = {}): Promise<ResumableUpload> {
    const context: ErrorContext = { operation: 'blobs.resumeUpload', signal: options.signal };
    assertUploadState(state, context);
    const where = { ...context, namespace: state.namespace };
    try {
      await verifyUploadState(this.#context, state, where);
      const prefixHash = options.prefix === undefined ? undefined : await hashUploadedPrefix(state, options.prefix, where);
      return new S3ResumableUpload(this.#context, state, options, 'blobs.upload', prefixHash);
    } catch (error) {
      throw toStorageError(error, where);
    }
  }

  sweepIncompleteUploads(options: SweepOptions): Promise<SweepResult> {
    return sweepStore(this.#context, options);
  }

  async #head(location: NamespaceLocation, key: string, logicalKey: string, signal: AbortSignal | undefined, context: ErrorContext): Promise<BlobMeta | undefined> {
    try {
      await this.#ensureBucket(location, context);
      const response = await this.#connection.withSignal(signal, () =>
        this.#connection.request({ method: 'HEAD', bucketName: location.bucket, objectName: key }, '', [200, 404]),
      );
      response.resume();
      return response.statusCode === 404 ? undefined : metaOf(logicalKey, response.headers, contentLength(response.headers));
    } catch (error) {
      throw toStorageError(error, context);
    }
  }

  /** Why the object is locked now; undefined when it is not; null when it does not exist. */
  async #lockedBecause(location: NamespaceLocation, key: string, signal: AbortSignal | undefined, context: ErrorContext): Promise<string | undefined | null> {
    try {
      await this.#ensureBucket(location, context);
      const response = await this.#connection.withSignal(signal, () =>
        this.#connection.request({ method: 'HEAD', bucketName: location.bucket, objectName: key }, '', [200, 404]),
      );
      response.resume();
      return response.statusCode === 404 ? null : lockOf(response.headers, Date.now());
    } catch (error) {
      throw toStorageError(error, context);
    }
  }

  #where(operation: string, request: { readonly namespace: string; readonly signal?: AbortSignal | undefined }): ErrorContext {
    const context = { operation, namespace: request.namespace, signal: request.signal };
    throwIfAborted(context);
    return context;
  }

  #locate(request: { readonly namespace: string; readonly key: string }, context: ErrorContext): { location: NamespaceLocation; key: string } {
    assertKey(request.key, whereOf(context), S3_MAX_KEY_BYTES);
    const location = this.#context.layout.locate(request.namespace, context);
    return { location, key: this.#context.layout.objectKey(location, request.key, context) };
  }

  // Once per bucket and process: check it exists, create it when allowed. A failure is not cached.
  #ensureBucket(location: NamespaceLocation, context: ErrorContext): Promise<void> {
    if (!this.#options.autoCreateBucket && this.#options.bucketPerNamespace) return Promise.resolve();
    let pending = this.#buckets.get(location.bucket);
    if (pending === undefined) {
      pending = this.#connection.withSignal(undefined, () => this.#createIfMissing(location.bucket));
      pending.catch(() => this.#buckets.delete(location.bucket));
      this.#buckets.set(location.bucket, pending);
    }
    return pending.catch((error: unknown) => {
      throw toStorageError(error, context);
    });
  }

  async #createIfMissing(bucket: string): Promise<void> {
    const response = await this.#connection.request({ method: 'HEAD', bucketName: bucket }, '', [200, 404]);
    response.resume();
    if (response.statusCode === 200) return this.#checkObjectLock(bucket);
    if (!this.#options.autoCreateBucket) {
      throw s3Error('CONFIG_INVALID', `bucket "${bucket}" does not exist; create it or set autoCreateBucket`, { operation: 'blobs.open' }, { details: { bucket } });
    }
    try {
      await createBucket(this.#connection, bucket, this.#options.region, this.#options.objectLock !== undefined);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'BucketAlreadyOwnedByYou') throw error;
    }
    await this.#checkObjectLock(bucket);
  }

  // A WORM store on a bucket without Object Lock would silently lock nothing: refuse it.
  async #checkObjectLock(bucket: string): Promise<void> {
    if (this.#options.objectLock === undefined) return;
    // A bucket without Object Lock answers GetObjectLockConfiguration with an error.
    const enabled = await objectLockEnabled(this.#connection, bucket).catch(() => false);
    if (!enabled) {
      throw s3Error('CONFIG_INVALID', `bucket "${bucket}" does not have S3 Object Lock enabled; objectLock needs a bucket created with it`, { operation: 'blobs.open' }, { details: { bucket } });
    }
  }
}

/** Where a check runs, for core's validation module. */
function whereOf(context: ErrorContext): Where {
  return { operation: context.operation, namespace: context.namespace, adapter: S3_ADAPTER };
}

/**
 * Creates the S3 blob store (AWS S3, MinIO, Ceph RGW). Options are validated here (CONFIG_INVALID
 * on a bad one); `open()` checks the shared bucket (creating it with `autoCreateBucket`).
 */
export function createS3BlobStore(options: S3BlobStoreOptions, tuning: S3StoreTuning = {}): S3BlobStore {
  return new S3Store(resolveOptions(options), tuning);
}

/** Creates the store from options the factory already validated. */
export function createResolvedS3BlobStore(options: ResolvedS3Options, tuning: S3StoreTuning = {}): S3BlobStore {
  return new S3Store(options, tuning);
}
