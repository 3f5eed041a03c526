import type { BlobPutRequest, StorageError } from '@sanctum/storage-core';
import { s3Error, type ErrorContext } from './errors.js';

/** The conditional headers of a put, and how its failure reads. */
export interface PutConditions {
  readonly headers: Record<string, string>;
  /** `ifNoneMatch: '*'`: a 412 means the key exists (ALREADY_EXISTS), not a stale ETag. */
  readonly createOnly: boolean;
}

/**
 * The conditional headers of `request`, or `undefined` when it has none. S3 checks them only on a
 * single PUT (Ceph RGW ignores them on CompleteMultipartUpload and CopyObject), so a conditional
 * body must fit one PUT: the caller refuses larger ones with UNSUPPORTED.
 */
export function putConditions(request: BlobPutRequest, context: ErrorContext): PutConditions | undefined {
  const { ifMatch, ifNoneMatch } = request;
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  if (ifMatch !== undefined && ifNoneMatch !== undefined) {
    throw s3Error('INVALID_ARGUMENT', 'ifMatch and ifNoneMatch are mutually exclusive; pass one of them', context, { details: { field: 'ifNoneMatch' } });
  }
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch !== '*') throw s3Error('INVALID_ARGUMENT', "ifNoneMatch accepts only '*' (create only)", context, { details: { field: 'ifNoneMatch' } });
    return { headers: { 'if-none-match': '*' }, createOnly: true };
  }
  if (typeof ifMatch !== 'string' || ifMatch.length === 0) {
    throw s3Error('INVALID_ARGUMENT', 'ifMatch must be a non-empty ETag', context, { details: { field: 'ifMatch' } });
  }
  // Ceph RGW compares If-Match on PUT with the bare ETag: the quoted form never matches there.
  return { headers: { 'if-match': ifMatch.replace(/^"|"$/g, '') }, createOnly: false };
}

/** UNSUPPORTED for a conditional body too large for one PUT. */
export function conditionalTooLarge(limit: number, context: ErrorContext): StorageError {
  return s3Error(
    'UNSUPPORTED',
    `conditional puts (ifMatch / ifNoneMatch) are limited to bodies of at most ${String(limit)} bytes (multipartThreshold): S3 servers such as Ceph RGW check the condition only on a single PUT`,
    context,
    { details: { field: 'body', limit } },
  );
}

/** A failed condition of a create-only put is ALREADY_EXISTS; of an ifMatch put, PRECONDITION_FAILED as mapped. */
export function conditionFailure(error: StorageError, conditions: PutConditions | undefined, context: ErrorContext): StorageError {
  if (conditions?.createOnly !== true || error.code !== 'PRECONDITION_FAILED') return error;
  return s3Error('ALREADY_EXISTS', 'the key already exists (ifNoneMatch: "*")', context, { cause: error });
}
