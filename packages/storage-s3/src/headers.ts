import type { IncomingHttpHeaders } from 'node:http';
import type { BlobAcl, BlobMeta } from '@sanctum/storage-core/spi';

const META = 'x-amz-meta-';
// Header values must be printable ASCII without surrounding blanks to survive HTTP unchanged.
const PLAIN = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/;
const ENCODED = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=$/;

/**
 * A metadata value as an HTTP header value: printable ASCII as is, anything else (non-ASCII,
 * surrounding blanks) as an RFC 2047 encoded word, the form S3 documents for non-ASCII metadata.
 */
export function encodeMetadataValue(value: string): string {
  return PLAIN.test(value) && !ENCODED.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** The inverse of {@link encodeMetadataValue}. */
export function decodeMetadataValue(value: string): string {
  const match = ENCODED.exec(value);
  return match?.[1] === undefined ? value : Buffer.from(match[1], 'base64').toString('utf8');
}

/** What an object is written with besides its bytes. */
export interface ObjectAttributes {
  readonly contentType?: string | undefined;
  readonly metadata?: Readonly<Record<string, string>> | undefined;
  readonly acl?: BlobAcl | undefined;
}

/** Request headers carrying content type, user metadata (keys lower-cased) and canned ACL. */
export function objectHeaders(attributes: ObjectAttributes): Record<string, string> {
  const headers: Record<string, string> = {};
  if (attributes.contentType !== undefined) headers['content-type'] = attributes.contentType;
  for (const [name, value] of Object.entries(attributes.metadata ?? {})) {
    headers[`${META}${name.toLowerCase()}`] = encodeMetadataValue(String(value));
  }
  // `private` is what S3 gives every new object; sending it would fail on AWS buckets with ACLs
  // disabled (Object Ownership "bucket owner enforced"), where only the default is accepted.
  if (attributes.acl === 'public-read') headers['x-amz-acl'] = attributes.acl;
  return headers;
}

/** User metadata of a response: the `x-amz-meta-*` headers, prefix stripped, values decoded. */
export function metadataOf(headers: IncomingHttpHeaders): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(META) && typeof value === 'string') metadata[name.slice(META.length)] = decodeMetadataValue(value);
  }
  return metadata;
}

/** An ETag without the quotes S3 puts around it. */
export function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The BlobMeta of a HEAD or GET response. S3 ETags are content hashes (MD5, or MD5-of-MD5s `-N` for
 * multipart) and, without bucket versioning, the only per-object identity S3 has: `version` is the
 * ETag too.
 */
export function metaOf(key: string, headers: IncomingHttpHeaders, size: number): BlobMeta {
  const etag = unquote(header(headers, 'etag') ?? '');
  const contentType = header(headers, 'content-type');
  const modified = header(headers, 'last-modified');
  return {
    key,
    size,
    etag,
    version: etag,
    lastModified: modified === undefined ? new Date(0) : new Date(modified),
    ...(contentType === undefined ? {} : { contentType }),
    metadata: metadataOf(headers),
  };
}

/** The `content-length` of a response, 0 when absent. */
export function contentLength(headers: IncomingHttpHeaders): number {
  return Number(header(headers, 'content-length') ?? 0);
}

/** `bytes a-b/total` of a 206 response. */
export function contentRange(headers: IncomingHttpHeaders): { start: number; end: number; size: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header(headers, 'content-range') ?? '');
  if (match === null) return undefined;
  return { start: Number(match[1]), end: Number(match[2]), size: Number(match[3]) };
}

/** Encodes an object key for `x-amz-copy-source` (each path segment percent-encoded). */
export function copySource(bucket: string, key: string): string {
  return `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}
