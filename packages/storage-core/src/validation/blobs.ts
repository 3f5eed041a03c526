import type { BlobGetRequest, BlobListRequest, BlobPresignRequest, BlobPutRequest } from '../spi/blob-store.js';
import { MAX_KEY_BYTES, assertKey, prefixOf } from './keys.js';
import { pageLimitOf } from './numbers.js';
import { assertConditions } from './records.js';
import { describeType, invalidArgument, type Where } from './where.js';

const RESERVED_METADATA_PREFIX = 'sanctum-';
const METADATA_KEY = /^[a-z0-9][a-z0-9-]*$/;
// eslint-disable-next-line no-control-regex -- header-borne text must not carry control characters
const CONTROL = /[\u0000-\u001f\u007f]/;
// type/subtype with optional parameters, as HTTP sends it (RFC 9110 token characters).
const CONTENT_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\s*;.*)?$/;

/** Longest presigned URL lifetime S3 allows: 7 days. */
export const MAX_PRESIGN_SECONDS = 604_800;

/** True for what a blob body may be: bytes, or a Node.js readable stream. */
export function isBlobBody(body: unknown): body is BlobPutRequest['body'] {
  if (body instanceof Uint8Array) return true;
  if (typeof body !== 'object' || body === null) return false;
  const stream = body as { pipe?: unknown; on?: unknown; read?: unknown };
  return typeof stream.pipe === 'function' && typeof stream.on === 'function' && typeof stream.read === 'function';
}

function assertMetadataShape(metadata: unknown, where: Where): void {
  if (metadata === undefined) return;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw invalidArgument(where, 'metadata', `metadata must be an object of strings, got ${describeType(metadata)}`);
  }
  for (const [name, value] of Object.entries(metadata)) {
    const field = `metadata.${name}`;
    if (name.length === 0 || CONTROL.test(name)) throw invalidArgument(where, 'metadata', 'metadata keys must be non-empty and free of control characters');
    if (typeof value !== 'string' || CONTROL.test(value)) throw invalidArgument(where, field, `metadata "${name}" must be a string without control characters`);
  }
}

/**
 * The facade's stricter rule for user metadata: lower-case names of letters, digits and `-`, and
 * no `sanctum-` names (reserved for core's own layers, e.g. checksums). Adapters lower-case names
 * themselves and accept core's reserved ones, so they check only the shape.
 */
export function assertUserMetadata(metadata: unknown, where: Where): void {
  assertMetadataShape(metadata, where);
  for (const name of Object.keys(metadata ?? {})) {
    const field = `metadata.${name}`;
    if (!METADATA_KEY.test(name)) throw invalidArgument(where, field, `metadata key "${name}" must be lower-case letters, digits and "-"`);
    if (name.startsWith(RESERVED_METADATA_PREFIX)) {
      throw invalidArgument(where, field, `metadata keys starting with "${RESERVED_METADATA_PREFIX}" are reserved for the library`);
    }
  }
}

function assertContentType(contentType: unknown, where: Where): void {
  if (contentType === undefined) return;
  if (typeof contentType !== 'string' || contentType.length > 255 || CONTROL.test(contentType) || !CONTENT_TYPE.test(contentType)) {
    throw invalidArgument(where, 'contentType', 'contentType must be a media type like "text/plain; charset=utf-8" (at most 255 characters, no CR/LF or other control characters)');
  }
}

/**
 * Checks a blob put: key, preconditions, body (bytes or a readable stream only), contentType,
 * contentLength and the shape of metadata (an object of strings without control characters).
 */
export function validateBlobPut(request: BlobPutRequest, where: Where, limits: { readonly maxKeyBytes?: number } = {}): void {
  assertKey(request.key, where, limits.maxKeyBytes ?? MAX_KEY_BYTES);
  assertConditions(request, where);
  if (!isBlobBody(request.body)) {
    throw invalidArgument(where, 'body', `body must be a Uint8Array/Buffer or a readable stream, got ${describeType(request.body)}`);
  }
  assertContentType(request.contentType, where);
  const length: unknown = request.contentLength;
  if (length !== undefined && (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0)) {
    throw invalidArgument(where, 'contentLength', `contentLength must be a non-negative integer, got ${describeType(length)}`);
  }
  assertMetadataShape(request.metadata, where);
}

/** Checks a blob get: key, `ifMatch` and the range (inclusive integer bounds). */
export function validateBlobGet(request: BlobGetRequest, where: Where, limits: { readonly maxKeyBytes?: number } = {}): void {
  assertKey(request.key, where, limits.maxKeyBytes ?? MAX_KEY_BYTES);
  assertConditions({ ifMatch: request.ifMatch }, where);
  const range: unknown = request.range;
  if (range === undefined) return;
  const { start, end } = (typeof range === 'object' && range !== null ? range : {}) as { start?: unknown; end?: unknown };
  const ok =
    typeof start === 'number' && Number.isSafeInteger(start) && start >= 0 && (end === undefined || (typeof end === 'number' && Number.isSafeInteger(end) && end >= start));
  if (!ok) throw invalidArgument(where, 'range', 'range needs an integer start ≥ 0 and an optional integer end ≥ start (inclusive)');
}

/** Checks a blob list request; returns the prefix (`''` when none) and the page size. */
export function validateBlobList(request: BlobListRequest, where: Where, limits: { readonly maxKeyBytes?: number } = {}): { readonly prefix: string; readonly limit: number } {
  const prefix = prefixOf(request.prefix, where, limits.maxKeyBytes ?? MAX_KEY_BYTES);
  const limit = pageLimitOf(request.limit, where);
  const delimiter: unknown = request.delimiter;
  if (delimiter !== undefined && (typeof delimiter !== 'string' || delimiter.length === 0 || CONTROL.test(delimiter))) {
    throw invalidArgument(where, 'delimiter', 'delimiter must be a non-empty string without control characters');
  }
  if (request.cursor !== undefined && (typeof request.cursor !== 'string' || request.cursor.length === 0)) {
    throw invalidArgument(where, 'cursor', 'cursor must be the non-empty string a previous page returned');
  }
  return { prefix, limit };
}

/** Checks a presign request: key, method GET or PUT, lifetime of 1 s to 7 days. */
export function validateBlobPresign(request: BlobPresignRequest, where: Where, limits: { readonly maxKeyBytes?: number } = {}): void {
  assertKey(request.key, where, limits.maxKeyBytes ?? MAX_KEY_BYTES);
  const seconds: unknown = request.expiresInSeconds;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS) {
    throw invalidArgument(where, 'expiresInSeconds', `expiresInSeconds must be an integer from 1 to ${String(MAX_PRESIGN_SECONDS)} (7 days), got ${describeType(seconds)}`);
  }
  if (request.method !== 'GET' && request.method !== 'PUT') {
    throw invalidArgument(where, 'method', `method must be GET or PUT, got ${describeType(request.method)}`);
  }
}

/** Checks a blob delete: key and `ifMatch`. */
export function validateBlobDelete(request: { readonly key: unknown; readonly ifMatch?: unknown }, where: Where, limits: { readonly maxKeyBytes?: number } = {}): void {
  assertKey(request.key, where, limits.maxKeyBytes ?? MAX_KEY_BYTES);
  assertConditions({ ifMatch: request.ifMatch }, where);
}
