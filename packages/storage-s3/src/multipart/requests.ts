import { createHash } from 'node:crypto';
import type { S3Connection } from '../client.js';
import { unquote } from '../headers.js';
import { listedKey } from '../list.js';
import { uriEscape } from '../signer.js';
import { parseXml, xmlEscape, xmlText } from '../xml.js';
import type { PartRecord } from './part-writer.js';

/** A part of a multipart upload as the server lists it. */
export interface ListedPart {
  readonly part: number;
  readonly etag: string;
  readonly size: number;
}

/** One multipart upload on the server. */
export interface UploadTarget {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
}

const uploadQuery = (uploadId: string) => `uploadId=${encodeURIComponent(uploadId)}`;

/** CreateMultipartUpload; the headers (content type, metadata, ACL) become the object's. */
export async function initiateUpload(connection: S3Connection, bucket: string, key: string, headers: Record<string, string>): Promise<string> {
  const { text } = await connection.requestText({ method: 'POST', bucketName: bucket, objectName: key, query: 'uploads', headers });
  const uploadId = xmlText(text, 'UploadId');
  if (uploadId === undefined || uploadId === '') throw Object.assign(new Error('CreateMultipartUpload answered without an UploadId'), { code: 'InternalError' });
  return uploadId;
}

/** UploadPart of the part's chunks with Content-MD5; resolves with the part's ETag (unquoted). */
export async function uploadPart(connection: S3Connection, target: UploadTarget, partNumber: number, chunks: readonly Buffer[], contentMd5: Buffer): Promise<string> {
  const response = await connection.request(
    {
      method: 'PUT',
      bucketName: target.bucket,
      objectName: target.key,
      query: `partNumber=${String(partNumber)}&${uploadQuery(target.uploadId)}`,
      headers: { 'content-md5': contentMd5.toString('base64') },
    },
    chunks,
  );
  response.resume();
  const etag = response.headers.etag;
  return typeof etag === 'string' && etag !== '' ? unquote(etag) : contentMd5.toString('hex');
}

/**
 * The multipart ETag S3 assigns: MD5 of the concatenated binary part MD5s, then `-<parts>`.
 * Ceph RGW answers CompleteMultipartUpload with an empty ETag; the part ETags give the same value.
 */
export function multipartEtag(parts: readonly Pick<PartRecord, 'etag'>[]): string | undefined {
  if (!parts.every((part) => /^[0-9a-f]{32}$/.test(part.etag))) return undefined;
  const md5 = createHash('md5');
  for (const part of parts) md5.update(Buffer.from(part.etag, 'hex'));
  return `${md5.digest('hex')}-${String(parts.length)}`;
}

/** CompleteMultipartUpload; resolves with the object's ETag, or `undefined` when it cannot be known. */
export async function completeUpload(connection: S3Connection, target: UploadTarget, parts: readonly PartRecord[]): Promise<string | undefined> {
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  const body =
    '<CompleteMultipartUpload>' +
    sorted.map((part) => `<Part><PartNumber>${String(part.partNumber)}</PartNumber><ETag>"${xmlEscape(part.etag)}"</ETag></Part>`).join('') +
    '</CompleteMultipartUpload>';
  const headers = { 'content-type': 'application/xml', 'content-md5': createHash('md5').update(body).digest('base64') };
  const { text } = await connection.requestText({ method: 'POST', bucketName: target.bucket, objectName: target.key, query: uploadQuery(target.uploadId), headers }, body);
  const etag = unquote(xmlText(text, 'ETag') ?? '');
  return etag === '' ? multipartEtag(sorted) : etag;
}

/** AbortMultipartUpload; an upload that is already gone counts as aborted. */
export async function abortUpload(connection: S3Connection, target: UploadTarget): Promise<void> {
  try {
    const response = await connection.request(
      { method: 'DELETE', bucketName: target.bucket, objectName: target.key, query: uploadQuery(target.uploadId) },
      '',
      [200, 204],
    );
    response.resume();
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'NoSuchUpload') throw error;
  }
}

/** The parts the server holds for an upload, every page of them (throws NoSuchUpload when it is gone). */
export async function listParts(connection: S3Connection, target: UploadTarget): Promise<ListedPart[]> {
  const parts: ListedPart[] = [];
  let marker = '';
  for (;;) {
    const query = `${marker === '' ? '' : `part-number-marker=${marker}&`}${uploadQuery(target.uploadId)}`;
    const { text } = await connection.requestText({ method: 'GET', bucketName: target.bucket, objectName: target.key, query });
    // A page without parts has no Part element; a malformed answer lists nothing and ends the listing.
    const result: Record<string, unknown> = Object.assign({ Part: [], NextPartNumberMarker: '' }, parseXml(text)['ListPartsResult']);
    for (const part of result['Part'] as Array<Record<string, unknown>>) {
      parts.push({ part: Number(part['PartNumber']), etag: unquote(String(part['ETag'])), size: Number(part['Size']) });
    }
    const next = String(result['NextPartNumberMarker']);
    if (result['IsTruncated'] !== 'true' || next === '' || next === marker) return parts;
    marker = next;
  }
}

/** One incomplete multipart upload as ListMultipartUploads names it. */
export interface ListedUpload {
  readonly key: string;
  readonly uploadId: string;
  readonly initiated: Date;
}

/** One page of ListMultipartUploads under `prefix`; `next` holds the markers of the next page. */
export async function listUploads(
  connection: S3Connection,
  bucket: string,
  prefix: string,
  from: { readonly keyMarker: string; readonly uploadIdMarker: string },
): Promise<{ uploads: ListedUpload[]; next?: { keyMarker: string; uploadIdMarker: string } }> {
  const query = [
    'encoding-type=url',
    ...(from.keyMarker === '' ? [] : [`key-marker=${uriEscape(from.keyMarker)}`]),
    `prefix=${uriEscape(prefix)}`,
    ...(from.uploadIdMarker === '' ? [] : [`upload-id-marker=${uriEscape(from.uploadIdMarker)}`]),
    'uploads',
  ];
  const { text } = await connection.requestText({ method: 'GET', bucketName: bucket, query: query.join('&') });
  const result: Record<string, unknown> = Object.assign({ Upload: [], NextKeyMarker: '', NextUploadIdMarker: '' }, parseXml(text)['ListMultipartUploadsResult']);
  // A server that ignores encoding-type answers plain keys and says nothing of an encoding.
  const key = result['EncodingType'] === 'url' ? listedKey : String;
  const uploads = (result['Upload'] as Array<Record<string, unknown>>).map((upload) => ({
    key: key(upload['Key']),
    uploadId: String(upload['UploadId']),
    initiated: new Date(String(upload['Initiated'])),
  }));
  if (result['IsTruncated'] !== 'true') return { uploads };
  return { uploads, next: { keyMarker: key(result['NextKeyMarker']), uploadIdMarker: String(result['NextUploadIdMarker']) } };
}
