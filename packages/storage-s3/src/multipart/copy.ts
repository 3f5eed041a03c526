import type { S3Connection } from '../client.js';
import { copySource, unquote } from '../headers.js';
import { xmlText } from '../xml.js';
import { MAX_PARTS } from './part-writer.js';
import { abortUpload, completeUpload, initiateUpload, type UploadTarget } from './requests.js';

/** An object on the server. */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

/** How a copy runs. */
export interface CopySettings {
  /** Largest object copied with one CopyObject (S3: 5 GiB); larger ones use UploadPartCopy. */
  readonly maxSingleCopyBytes: number;
  readonly partSize: number;
  readonly parallelParts: number;
}

const GIB = 1024 ** 3;

/**
 * Server-side copy of `from` to `to` with the object's attributes replaced by `headers` (content
 * type, metadata, ACL): one CopyObject up to `maxSingleCopyBytes`, else a multipart copy of
 * byte ranges. Resolves with the new object's ETag. No object bytes pass through this process.
 */
export async function copyObject(
  connection: S3Connection,
  from: ObjectRef,
  to: ObjectRef,
  size: number,
  headers: Record<string, string>,
  settings: CopySettings,
): Promise<string | undefined> {
  const source = copySource(from.bucket, from.key);
  if (size <= settings.maxSingleCopyBytes) {
    const { text } = await connection.requestText({
      method: 'PUT',
      bucketName: to.bucket,
      objectName: to.key,
      headers: { ...headers, 'x-amz-copy-source': source, 'x-amz-metadata-directive': 'REPLACE' },
    });
    const etag = unquote(xmlText(text, 'ETag') ?? '');
    return etag === '' ? undefined : etag;
  }
  const uploadId = await initiateUpload(connection, to.bucket, to.key, headers);
  const target: UploadTarget = { ...to, uploadId };
  try {
    const parts = await copyParts(connection, target, source, size, settings);
    return await completeUpload(connection, target, parts);
  } catch (error) {
    await connection.withSignal(undefined, () => abortUpload(connection, target)).catch(() => undefined);
    throw error;
  }
}

async function copyParts(connection: S3Connection, target: UploadTarget, source: string, size: number, settings: CopySettings) {
  const partSize = Math.min(5 * GIB, Math.max(settings.partSize, Math.ceil(size / MAX_PARTS)));
  const count = Math.ceil(size / partSize);
  const parts: Array<{ partNumber: number; etag: string; size: number }> = [];
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < count && !failed) {
      const index = next;
      next += 1;
      const start = index * partSize;
      const end = Math.min(size, start + partSize) - 1;
      const { text } = await connection.requestText({
        method: 'PUT',
        bucketName: target.bucket,
        objectName: target.key,
        query: `partNumber=${String(index + 1)}&uploadId=${encodeURIComponent(target.uploadId)}`,
        headers: { 'x-amz-copy-source': source, 'x-amz-copy-source-range': `bytes=${String(start)}-${String(end)}` },
      });
      parts.push({ partNumber: index + 1, etag: unquote(xmlText(text, 'ETag') ?? ''), size: end - start + 1 });
    }
  };
  // Settle every worker before reporting a failure, so the abort that follows leaves no part behind.
  const outcomes = await Promise.allSettled(
    Array.from({ length: Math.min(settings.parallelParts, count) }, () =>
      worker().catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return parts;
}

/** DeleteObject (S3 answers 204 whether or not the key existed). */
export async function deleteObject(connection: S3Connection, ref: ObjectRef): Promise<void> {
  const response = await connection.request({ method: 'DELETE', bucketName: ref.bucket, objectName: ref.key }, '', [200, 204]);
  response.resume();
}
