import type { StorageError } from '@sanctum/storage-core';
import type { BlobPutRequest } from '@sanctum/storage-core/spi';
import { s3Error, type ErrorContext } from './errors.js';

/** The conditional headers of a put. */
export interface PutConditions {
  readonly headers: Record<string, string>;
}

/**
 * The conditional headers of `request`, or `undefined` when it has none. Only create-only puts are
 * offered: S3 checks conditions only on a single PUT (Ceph RGW ignores them on
 * CompleteMultipartUpload and CopyObject), so such a body must fit one PUT and the caller refuses
 * larger ones; and RGW answers the losers of racing If-Match PUTs with 500 InternalError, not 412,
 * so a compare-and-swap loser could not be told from a server failure (capability
 * `compareAndSwap`: UNSUPPORTED).
 */
export function putConditions(request: BlobPutRequest, context: ErrorContext): PutConditions | undefined {
  const { ifMatch, ifNoneMatch } = request;
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  if (ifMatch !== undefined) {
    throw s3Error(
      'UNSUPPORTED',
      'ifMatch on put is not supported by this adapter (capability "compareAndSwap": Ceph RGW answers racing If-Match PUTs with 500, not 412); use ifNoneMatch: "*" or an unconditional put',
      context,
      { details: { field: 'ifMatch' } },
    );
  }
  // ifNoneMatch is '*' here: core's validateBlobPut (called first by the store) refuses anything else.
  return { headers: { 'if-none-match': '*' } };
}

/** UNSUPPORTED for a conditional body too large for one PUT. */
export function conditionalTooLarge(limit: number, context: ErrorContext): StorageError {
  return s3Error(
    'UNSUPPORTED',
    `create-only puts (ifNoneMatch: "*") are limited to bodies of at most ${String(limit)} bytes (multipartThreshold): S3 servers such as Ceph RGW check the condition only on a single PUT`,
    context,
    { details: { field: 'body', limit } },
  );
}

/** The failed condition of a create-only put (412) is ALREADY_EXISTS. */
export function conditionFailure(error: StorageError, conditions: PutConditions | undefined, context: ErrorContext): StorageError {
  if (conditions === undefined || error.code !== 'PRECONDITION_FAILED') return error;
  return s3Error('ALREADY_EXISTS', 'the key already exists (ifNoneMatch: "*")', context, { cause: error });
}
