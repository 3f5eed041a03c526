import {
  StorageError,
  abortedError as sharedAbortedError,
  classifySocketError,
  isStorageError,
  socketErrorCode,
  type StorageErrorCode,
} from '@sanctum/storage-core/spi';

/** The adapter name in errors, metrics and spans. */
export const S3_ADAPTER = 's3';

/** Where an error happened; copied onto every StorageError this adapter throws. */
export interface ErrorContext {
  readonly operation: string;
  readonly namespace?: string | undefined;
  /** The signal of the operation: an abort is reported from its reason (TIMEOUT or UNAVAILABLE). */
  readonly signal?: AbortSignal | undefined;
}

/** How one S3 or socket error is reported. */
export interface ErrorRule {
  readonly code: StorageErrorCode;
  readonly retryable: boolean;
  /** The second half of the message: what happened, for a human. */
  readonly hint: string;
}

type Rule = ErrorRule;

const rule = (code: StorageErrorCode, retryable: boolean, hint: string): Rule => ({ code, retryable, hint });

const ACCESS = rule('ACCESS_DENIED', false, 'the credentials were refused or lack permission');
const BAD_REQUEST = rule('INVALID_ARGUMENT', false, 'the server rejected the request as malformed');
const IN_TRANSIT = rule('CHECKSUM_MISMATCH', true, 'the server rejected a body whose digest did not match: it was corrupted in transit');
const BUSY = rule('UNAVAILABLE', true, 'the server is overloaded or failing; retry with backoff');

/**
 * The one mapping table: S3 error codes (the `<Code>` of an error response, or the status of a
 * body-less one) → StorageError code and whether a retry can help.
 * Node socket errors follow the shared SPI rule (`classifySocketError`).
 */
export const ERROR_TABLE: Readonly<Record<string, Rule>> = {
  // S3 error codes
  NoSuchKey: rule('NOT_FOUND', false, 'no object with this key'),
  NotFound: rule('NOT_FOUND', false, 'not found'),
  NoSuchUpload: rule('NOT_FOUND', false, 'the multipart upload no longer exists (completed, aborted or swept)'),
  NoSuchBucket: rule('CONFIG_INVALID', false, 'the bucket does not exist; create it or set autoCreateBucket'),
  InvalidBucketName: rule('CONFIG_INVALID', false, 'the bucket name is not valid'),
  BucketAlreadyExists: rule('CONFIG_INVALID', false, 'the bucket name is taken by another account'),
  AccessDenied: ACCESS,
  AllAccessDisabled: ACCESS,
  InvalidAccessKeyId: ACCESS,
  SignatureDoesNotMatch: ACCESS,
  ExpiredToken: ACCESS,
  InvalidToken: ACCESS,
  RequestTimeTooSkewed: rule('ACCESS_DENIED', false, "the request was signed with a clock too far from the server's"),
  PreconditionFailed: rule('PRECONDITION_FAILED', false, 'ifMatch does not match the current ETag'),
  // AWS: another conditional write to the key was in progress; it won, this one did not happen.
  ConditionalRequestConflict: rule('PRECONDITION_FAILED', false, 'a concurrent conditional write to the key won'),
  BadDigest: IN_TRANSIT,
  InvalidDigest: IN_TRANSIT,
  XAmzContentSHA256Mismatch: IN_TRANSIT,
  SlowDown: BUSY,
  ServiceUnavailable: BUSY,
  InternalError: BUSY,
  // RGW answers 500 UnknownError for a condition it has no S3 code for, e.g. an object name longer
  // than its backend stores (on the test rig: any key of a few hundred bytes or more). The same request
  // fails the same way every time, so it is not retried.
  UnknownError: rule('INTERNAL', false, 'the server failed this request with an error it does not name; the same request fails again, so it is not retried'),
  RequestTimeout: rule('TIMEOUT', true, 'the server gave up waiting for the request body'),
  InvalidRange: rule('INVALID_ARGUMENT', false, 'the range starts beyond the end of the object'),
  EntityTooLarge: rule('PAYLOAD_TOO_LARGE', false, 'the object or part is larger than the server accepts'),
  QuotaExceeded: rule('PAYLOAD_TOO_LARGE', false, 'the bucket or user quota is exhausted'),
  MetadataTooLarge: rule('PAYLOAD_TOO_LARGE', false, 'the object metadata exceeds the server limit (2 KiB on AWS)'),
  KeyTooLongError: rule('INVALID_ARGUMENT', false, 'the object key is longer than the server accepts'),
  EntityTooSmall: rule('INVALID_ARGUMENT', false, 'a part other than the last is smaller than 5 MiB'),
  InvalidPart: rule('INVALID_ARGUMENT', false, 'a part of the upload is missing or its ETag differs'),
  InvalidPartOrder: BAD_REQUEST,
  InvalidArgument: BAD_REQUEST,
  InvalidRequest: BAD_REQUEST,
  MalformedXML: BAD_REQUEST,
  BadRequest: BAD_REQUEST,
  NotImplemented: rule('UNSUPPORTED', false, 'the server does not implement this request'),
  AccessControlListNotSupported: rule('UNSUPPORTED', false, 'the bucket has ACLs disabled; set cannedAcl: false and use a bucket policy'),
  MethodNotAllowed: rule('UNSUPPORTED', false, 'the server does not allow this request'),
};

/** Used when a response carries no known code: by HTTP status class. */
const BY_STATUS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  403: 'AccessDenied',
  404: 'NotFound',
  408: 'RequestTimeout',
  412: 'PreconditionFailed',
  416: 'InvalidRange',
  429: 'SlowDown',
  500: 'InternalError',
  501: 'NotImplemented',
  503: 'SlowDown',
};

/** An S3 error response, parsed by this adapter (status, `<Code>`, request id; never the request). */
export class S3ResponseError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | undefined,
  ) {
    super(message);
    this.name = 'S3ResponseError';
  }
}

/** The S3 code to use for a status when the body named none. */
export function codeForStatus(status: number): string {
  return BY_STATUS[status] ?? (status >= 500 ? 'InternalError' : 'BadRequest');
}

function field(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}

function statusOf(error: unknown): number | undefined {
  const status = field(error, 'status');
  return typeof status === 'number' ? status : undefined;
}

/** The table key of `error`: the S3 or socket code (its own or its cause's), else the status's code. */
function lookupKey(error: unknown, status: number | undefined): string | undefined {
  const code = field(error, 'code');
  if (typeof code === 'string' && code in ERROR_TABLE) return code;
  const cause = field(error, 'cause');
  const causeCode = field(cause, 'code');
  if (typeof causeCode === 'string' && causeCode in ERROR_TABLE) return causeCode;
  if (typeof code === 'string' && code.length > 0) return code;
  return status === undefined ? undefined : codeForStatus(status);
}

// Statuses that say "try later" whatever code the body names.
const TRANSIENT_STATUS: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);

/**
 * A response whose code is not in the table. A 500-class error naming a code we do not know is not
 * known to be transient: INTERNAL, not retried. 408/429/502/503/504, and a response naming no code,
 * go by their status.
 */
function unknownCodeRule(key: string | undefined, status: number): Rule | undefined {
  if (status >= 500 && !TRANSIENT_STATUS.has(status) && key !== undefined && key !== codeForStatus(status)) return UNNAMED_SERVER_ERROR;
  return ERROR_TABLE[codeForStatus(status)];
}

const UNNAMED_SERVER_ERROR = rule('INTERNAL', false, 'the server failed this request with an error code this adapter does not know to be transient; it is not retried');

/** The StorageError of an aborted operation: the shared SPI rule, attributed to this adapter. */
export function abortedError(signal: AbortSignal, context: ErrorContext): StorageError {
  return sharedAbortedError(signal, { operation: context.operation, namespace: context.namespace, adapter: S3_ADAPTER });
}

/**
 * Maps anything thrown while talking to S3 onto a StorageError; the original error is kept as
 * `cause` only. StorageErrors pass through with the context filled in.
 */
export function toStorageError(error: unknown, context: ErrorContext): StorageError {
  const where = { operation: context.operation, namespace: context.namespace, adapter: S3_ADAPTER };
  if (isStorageError(error)) return error.withContext(where);
  if (context.signal?.aborted === true) return abortedError(context.signal, context);
  const status = statusOf(error);
  const key = lookupKey(error, status);
  const found = key === undefined ? undefined : ERROR_TABLE[key];
  const socket = found === undefined ? classifySocketError(error) : undefined;
  if (socket !== undefined) {
    const socketCode = socketErrorCode(error);
    return new StorageError(socket.code, `${context.operation} failed (${String(socketCode)}): ${socket.message('S3')}`, {
      ...where,
      retryable: socket.retryable,
      cause: error,
      details: { s3Code: socketCode },
    });
  }
  const mapped = found ?? (status === undefined ? undefined : unknownCodeRule(key, status));
  const requestId = field(error, 'requestId');
  const details = {
    ...(key === undefined ? {} : { s3Code: key }),
    ...(status === undefined ? {} : { status }),
    ...(typeof requestId === 'string' ? { requestId } : {}),
  };
  if (mapped === undefined) {
    return new StorageError('INTERNAL', `${context.operation} failed with an unexpected S3 client error`, { ...where, cause: error, details });
  }
  const named = key === undefined ? '' : ` (${key})`;
  return new StorageError(mapped.code, `${context.operation} failed${named}: ${mapped.hint}`, {
    ...where,
    retryable: mapped.retryable,
    cause: error,
    details,
  });
}

/** A `.catch` handler that rethrows whatever it gets as a mapped StorageError. */
export function rethrowMapped(context: ErrorContext): (error: unknown) => never {
  return (error) => {
    throw toStorageError(error, context);
  };
}

/** A StorageError raised by the adapter itself (not mapped from a driver error). */
export function s3Error(
  code: StorageErrorCode,
  message: string,
  context: ErrorContext,
  extra: { readonly details?: Readonly<Record<string, unknown>>; readonly cause?: unknown } = {},
): StorageError {
  return new StorageError(code, message, { operation: context.operation, namespace: context.namespace, adapter: S3_ADAPTER, ...extra });
}

/** Throws the abort error when `signal` has fired. */
export function throwIfAborted(context: ErrorContext): void {
  if (context.signal?.aborted === true) throw abortedError(context.signal, context);
}
