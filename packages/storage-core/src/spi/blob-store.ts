import type { Readable } from 'node:stream';
import type { Page, WriteResult } from '../types/index.js';
import type { NamespacedRequest, StoreBase } from './store-base.js';
import type { WriteConditions } from './record-store.js';

/** What is known about a stored object without reading it. */
export interface BlobMeta {
  readonly key: string;
  readonly size: number;
  /** Unquoted (no surrounding `"`): strip the quotes an HTTP backend sends before returning it. */
  readonly etag: string;
  readonly version: string;
  readonly lastModified: Date;
  readonly contentType?: string;
  /** User metadata; keys are lower-case. Keys starting with `sanctum-` belong to core's layers. */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * A blob write's result. The ETag changes whenever the content changes; backends whose ETags are
 * content hashes (S3's MD5) may return the same ETag when identical bytes are written again.
 */
export interface BlobWriteResult extends WriteResult {
  readonly version: string;
  readonly size: number;
}

/** Canned access of one object, mapped from the namespace policy. */
export type BlobAcl = 'private' | 'public-read';

export interface BlobPutRequest extends NamespacedRequest, WriteConditions {
  readonly key: string;
  /** Streams are consumed once; the adapter must not buffer more than its part size × parallelism. */
  readonly body: Readable | Uint8Array;
  readonly contentType?: string;
  /** Known length in bytes, when the caller has it; lets adapters skip multipart for small bodies. */
  readonly contentLength?: number;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly acl?: BlobAcl;
  /**
   * Metadata known only once the body has been read to its end (e.g. a checksum computed while
   * streaming). The adapter calls it after consuming the whole body and stores the entries with the
   * object, before the write is reported as done.
   */
  readonly trailingMetadata?: () => Readonly<Record<string, string>>;
}

/**
 * An inclusive byte range. `end` absent means "to the last byte"; an `end` past the last byte is cut to it.
 * A `start` at or past the object's size is INVALID_ARGUMENT, which makes every range read of an empty
 * object INVALID_ARGUMENT.
 */
export interface ByteRange {
  readonly start: number;
  readonly end?: number;
}

export interface BlobGetRequest extends NamespacedRequest {
  readonly key: string;
  readonly range?: ByteRange;
  /** Read only if the current ETag equals this; else PRECONDITION_FAILED. Needs `conditionalRead`. */
  readonly ifMatch?: string;
}

export interface BlobHeadRequest extends NamespacedRequest {
  readonly key: string;
}

export interface BlobDeleteRequest extends NamespacedRequest {
  readonly key: string;
  /** Delete only if the current ETag equals this; else PRECONDITION_FAILED. Needs `conditionalDelete`. */
  readonly ifMatch?: string;
}

export interface BlobListRequest extends NamespacedRequest {
  readonly prefix?: string;
  /** Groups keys by the part after the prefix up to this string into `prefixes`; needs `delimiter`. */
  readonly delimiter?: string;
  readonly cursor?: string;
  /** Default 100, at most 1000. */
  readonly limit?: number;
}

/**
 * Replaces an object's user metadata (and content type) without sending its bytes: a server-side
 * copy onto itself on S3. Used by key rotation to re-wrap a blob's data key.
 */
export interface BlobReplaceMetadataRequest extends NamespacedRequest {
  readonly key: string;
  /** The complete new user metadata (the old is dropped); keys are lower-cased. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly contentType?: string;
  /** Replace only if the current ETag equals this; else PRECONDITION_FAILED and nothing changes. */
  readonly ifMatch: string;
}

/** One page of a blob listing. */
export interface BlobListPage extends Page<BlobMeta> {
  /** Common prefixes when a delimiter was given, in key order. */
  readonly prefixes: readonly string[];
}

export interface BlobPresignRequest extends NamespacedRequest {
  readonly key: string;
  readonly method: 'GET' | 'PUT';
  /** 1 second to 7 days. */
  readonly expiresInSeconds: number;
}

/** An object being read. The body must be consumed or destroyed. */
export interface BlobObject {
  readonly meta: BlobMeta;
  readonly body: Readable;
  /** The range actually returned, when the request had one. */
  readonly range?: { readonly start: number; readonly end: number };
}

/**
 * What a blob adapter honours. Each conditional request is its own flag because backends honour
 * them separately (Ceph RGW, for one, honours a create-only PUT but ignores `If-Match` on DELETE).
 * A request needing an undeclared capability fails with UNSUPPORTED before any I/O; a declared one
 * is one atomic check-and-act in the backend, never a read followed by a write.
 */
export interface BlobCapabilities {
  /** `ifNoneMatch: '*'` on put: create only, ALREADY_EXISTS when the key exists. */
  readonly createOnly: boolean;
  /** `ifMatch` on put: replace only the version read, PRECONDITION_FAILED when it changed. */
  readonly compareAndSwap: boolean;
  /** `ifMatch` on delete: PRECONDITION_FAILED (and nothing deleted) when the ETag changed. */
  readonly conditionalDelete: boolean;
  /** `ifMatch` on get. */
  readonly conditionalRead: boolean;
  readonly rangeRead: boolean;
  readonly delimiter: boolean;
  readonly presign: boolean;
  /** Canned ACLs on put. */
  readonly acl: boolean;
  /**
   * WORM (write once, read many): the store can keep objects unchangeable — overwrite and delete fail
   * with RETENTION_LOCKED until a retention ends or while a legal hold is on, enforced by the backend
   * (S3 Object Lock). How a namespace becomes WORM is the adapter's own option. Absent means false.
   */
  readonly worm?: boolean;
}

/** A blob adapter. */
export interface BlobStore extends StoreBase<'blob', BlobCapabilities> {
  put(request: BlobPutRequest): Promise<BlobWriteResult>;
  /** `undefined` when the key does not exist. */
  get(request: BlobGetRequest): Promise<BlobObject | undefined>;
  head(request: BlobHeadRequest): Promise<BlobMeta | undefined>;
  /** Returns `false` when there was nothing to delete (and no `ifMatch` was given). */
  delete(request: BlobDeleteRequest): Promise<boolean>;
  list(request: BlobListRequest): Promise<BlobListPage>;
  presign?(request: BlobPresignRequest): Promise<string>;
  /** Optional: metadata rewrite without moving data (key rotation of encrypted namespaces needs it). */
  replaceMetadata?(request: BlobReplaceMetadataRequest): Promise<BlobWriteResult>;
}
