import type { Readable } from 'node:stream';
import { CHECKSUM_METADATA_KEY, isStorageError, type BlobPutRequest, type BlobWriteResult } from '@sanctum/storage-core/spi';
import { conditionFailure, conditionalTooLarge, putConditions, type PutConditions } from './conditions.js';
import type { StoreContext } from './context.js';
import { abortedError, s3Error, throwIfAborted, toStorageError, type ErrorContext } from './errors.js';
import { objectHeaders, unquote, type ObjectAttributes } from './headers.js';
import type { NamespaceLocation } from './layout.js';
import { copyObject, deleteObject } from './multipart/copy.js';
import { MAX_PARTS, md5Of } from './multipart/part-writer.js';
import { MultipartSession } from './multipart/session.js';

const lowerCaseKeys = (metadata: Readonly<Record<string, string>> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(metadata ?? {}).map(([name, value]) => [name.toLowerCase(), value]));

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// A hex SHA-256, as the facade's integrity layer stores it under CHECKSUM_METADATA_KEY.
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The body's SHA-256 when a layer above computed it from the body as it went by and hands it over
 * as trailing metadata (the facade's integrity layer); metadata the caller merely passes along (for
 * example copied from another object) is not taken as a statement about these bytes.
 */
function trailingSha256(trailing: Readonly<Record<string, string>> | undefined): string | undefined {
  const sha256 = trailing?.[CHECKSUM_METADATA_KEY];
  return sha256 !== undefined && SHA256_HEX.test(sha256) ? sha256 : undefined;
}

/**
 * PutObject of a body held in memory (one or more buffers), with the put's conditions; resolves
 * with its ETag. With `signed` (the body's digest from {@link trailingSha256}) it is the signed
 * payload hash (`x-amz-content-sha256`), which the server verifies (a body changed in transit, or a
 * digest that does not match it, is refused as XAmzContentSHA256Mismatch) and no MD5 of the body is
 * computed; otherwise the body carries its Content-MD5.
 */
async function putSingle(
  store: StoreContext,
  bucket: string,
  key: string,
  chunks: readonly Buffer[],
  attributes: ObjectAttributes,
  conditions: PutConditions | undefined,
  signed: string | undefined,
) {
  const contentMd5 = signed === undefined ? md5Of(chunks) : undefined;
  const headers = { ...objectHeaders(attributes), ...conditions?.headers, ...(contentMd5 === undefined ? {} : { 'content-md5': contentMd5.toString('base64') }) };
  const response = await store.connection.request({ method: 'PUT', bucketName: bucket, objectName: key, headers }, chunks, [200], signed);
  response.resume();
  const etag = response.headers.etag;
  return typeof etag === 'string' && etag !== '' ? unquote(etag) : (contentMd5 ?? md5Of(chunks)).toString('hex');
}

/**
 * Bytes a body may run past `multipartThreshold` and still go in one PUT: 1/1024 of the threshold
 * (16 KiB of the default 16 MiB), kept in a buffer of their own beside the held part buffers. An
 * encrypted body is its plaintext plus 16 bytes per 64 KiB frame and 16 more (4112 bytes at 16 MiB),
 * so a plaintext that would go in one PUT unencrypted still does encrypted (ADR-029). Not for
 * conditional puts: their limit stays the threshold.
 */
export function singlePutSlack(threshold: number): number {
  return Math.floor(threshold / 1024);
}

function checkLength(request: BlobPutRequest, received: number, context: ErrorContext): void {
  if (request.contentLength !== undefined && request.contentLength !== received) {
    throw s3Error('INVALID_ARGUMENT', 'contentLength does not match the body', context, { details: { contentLength: request.contentLength, received } });
  }
}

/**
 * Writes one object. A body up to `multipartThreshold` goes in one PUT; a larger one in parallel
 * parts. When the caller has trailing metadata (the facade's streaming SHA-256), a multipart body is
 * assembled under a staging key and copied server-side to its key with the final metadata, so the
 * object appears only once complete and with its checksum.
 */
export async function putBlob(store: StoreContext, request: BlobPutRequest, override?: PutConditions): Promise<BlobWriteResult> {
  const context: ErrorContext = { operation: 'blobs.put', namespace: request.namespace, signal: request.signal };
  throwIfAborted(context);
  // `override`: the conditions of a WORM store (create-only plus Object Lock headers).
  const requested = putConditions(request, context);
  const conditions = override ?? requested;
  const size = request.body instanceof Uint8Array ? request.body.byteLength : request.contentLength;
  if (conditions !== undefined && size !== undefined && size > store.multipartThreshold) throw conditionalTooLarge(store.multipartThreshold, context);
  const location = store.layout.locate(request.namespace, context);
  const key = store.layout.objectKey(location, request.key, context);
  const maxBytes = store.parts.partSize * MAX_PARTS;
  if (request.contentLength !== undefined && request.contentLength > maxBytes) {
    throw s3Error('PAYLOAD_TOO_LARGE', `the body is larger than 10000 parts of partSize (${String(maxBytes)} bytes); raise partSize`, context);
  }
  await store.ensureBucket(location, context);
  const attributes = { contentType: request.contentType, metadata: lowerCaseKeys(request.metadata), acl: request.acl };
  const { connection } = store;
  try {
    if (request.body instanceof Uint8Array) {
      checkLength(request, request.body.byteLength, context);
      const trailing = lowerCaseKeys(request.trailingMetadata?.());
      const whole = { ...attributes, metadata: { ...attributes.metadata, ...trailing } };
      if (request.body.byteLength <= store.multipartThreshold + (conditions === undefined ? singlePutSlack(store.multipartThreshold) : 0)) {
        const bytes = asBuffer(request.body);
        const etag = await connection.withSignal(request.signal, () => putSingle(store, location.bucket, key, [bytes], whole, conditions, trailingSha256(trailing)));
        return { etag, version: etag, size: bytes.byteLength };
      }
      return await putStream(store, request, location, key, whole, [request.body], context, conditions);
    }
    return await putStream(store, request, location, key, attributes, request.body, context, conditions);
  } catch (error) {
    throw conditionFailure(toStorageError(error, context), conditions, context);
  }
}

async function putStream(
  store: StoreContext,
  request: BlobPutRequest,
  location: NamespaceLocation,
  key: string,
  attributes: ObjectAttributes,
  body: Readable | readonly Uint8Array[],
  context: ErrorContext,
  conditions: PutConditions | undefined,
): Promise<BlobWriteResult> {
  const staged = request.trailingMetadata !== undefined && !(request.body instanceof Uint8Array);
  const uploadKey = staged ? store.layout.stagingKey(location) : key;
  const session = new MultipartSession({
    ...store.parts,
    connection: store.connection,
    context,
    target: { bucket: location.bucket, key: uploadKey, headers: staged ? {} : objectHeaders(attributes) },
    holdBytes: store.multipartThreshold,
  });
  const stream = Array.isArray(body) ? undefined : (body as Readable);
  const stopReading = () => stream?.destroy();
  request.signal?.addEventListener('abort', stopReading, { once: true });
  try {
    // A conditional body must go in one PUT: refuse it before a byte past the single-PUT limit is taken.
    const hold = { bytes: store.multipartThreshold, slack: conditions === undefined ? singlePutSlack(store.multipartThreshold) : 0 };
    const tail = await pump(body, session, context, conditions === undefined ? Infinity : store.multipartThreshold, hold);
    const size = session.writer.bytes + (tail?.byteLength ?? 0);
    checkLength(request, size, context);
    const trailing = staged ? lowerCaseKeys(request.trailingMetadata?.()) : undefined;
    const final = { ...attributes, metadata: { ...attributes.metadata, ...trailing } };
    if (size <= hold.bytes + hold.slack) {
      const single = session.writer.takeSingle(tail === undefined ? [] : [tail]);
      if (single !== undefined) {
        const etag = await store.connection.withSignal(request.signal, () =>
          putSingle(store, location.bucket, key, single.chunks, final, conditions, trailingSha256(trailing)),
        );
        return { etag, version: etag, size };
      }
    }
    const completed = await session.complete();
    if (!staged) return written(completed.etag, size, context);
    const staging = { bucket: location.bucket, key: uploadKey };
    try {
      const etag = await store.connection.withSignal(request.signal, () =>
        copyObject(store.connection, staging, { bucket: location.bucket, key }, size, objectHeaders(final), store.copy),
      );
      return written(etag, size, context);
    } finally {
      await removeStaging(store, staging, (error) => {
        store.logger.log({ event: 's3.staging_cleanup_failed', level: 'warn', code: toStorageError(error, context).code });
      });
    }
  } catch (error) {
    // When the abort cannot reach the server (a lost link), it is retried in the background.
    await session.abort(error).catch(async () => {
      const uploadId = await session.uploadId;
      store.leftovers.add(`upload:${location.bucket}/${uploadKey}/${uploadId ?? ''}`, () => session.abort());
    });
    // A CompleteMultipartUpload cut short may still have assembled the staging object.
    if (staged && (await session.uploadId) !== undefined) {
      await removeStaging(store, { bucket: location.bucket, key: uploadKey });
    }
    stream?.destroy();
    throw error;
  } finally {
    request.signal?.removeEventListener('abort', stopReading);
  }
}

/**
 * The next chunk, or the abort error as soon as the signal fires: a stalled body must not outlive
 * the abort (destroying a Readable.from() stream does not end a generator that is awaiting). A
 * listener per chunk, not Promise.race against one long-lived promise: every race would leave a
 * reaction holding its chunk on that promise until the upload ends.
 */
function nextChunk(iterator: AsyncIterator<unknown>, context: ErrorContext): Promise<IteratorResult<unknown>> {
  const { signal } = context;
  if (signal === undefined) return iterator.next();
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortedError(signal, context));
    signal.addEventListener('abort', onAbort, { once: true });
    iterator
      .next()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Writes the body into the session. Up to `hold.bytes` the writer holds the body for one PUT; the
 * next `hold.slack` bytes are copied into a tail buffer of their own instead, and returned when the
 * body ends there (it still goes in one PUT). A body that runs past them writes the tail on into
 * parts, in order, and returns nothing.
 */
async function pump(
  body: AsyncIterable<unknown> | readonly Uint8Array[],
  session: MultipartSession,
  context: ErrorContext,
  maxBytes: number,
  hold: { readonly bytes: number; readonly slack: number },
): Promise<Buffer | undefined> {
  const iterator = (body as AsyncIterable<unknown>)[Symbol.asyncIterator]?.() ?? toAsync(body as readonly Uint8Array[]);
  let tail: Buffer | undefined;
  let tailBytes = 0;
  let keeping = hold.slack > 0;
  for (;;) {
    let next: IteratorResult<unknown>;
    try {
      next = await nextChunk(iterator, context);
    } catch (error) {
      throwIfAborted(context);
      // A StorageError from the body (e.g. the facade's size limit) is the caller's answer as is.
      throw isStorageError(error) ? error : s3Error('INVALID_ARGUMENT', 'the body stream failed', context, { cause: error });
    }
    if (next.done === true) return tailBytes > 0 ? tail?.subarray(0, tailBytes) : undefined;
    let chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : (next.value as Uint8Array);
    if (session.writer.bytes + chunk.byteLength > maxBytes) throw conditionalTooLarge(maxBytes, context);
    if (keeping) {
      const room = hold.bytes - session.writer.bytes;
      if (tailBytes === 0 && chunk.byteLength <= room) {
        await session.write(chunk);
        continue;
      }
      if (tailBytes + chunk.byteLength - room <= hold.slack) {
        if (room > 0) {
          await session.write(chunk.subarray(0, room));
          chunk = chunk.subarray(room);
        }
        tail ??= Buffer.allocUnsafe(hold.slack);
        tail.set(chunk, tailBytes);
        tailBytes += chunk.byteLength;
        continue;
      }
      // Larger than one PUT: what the tail kept goes into the parts first.
      keeping = false;
      if (tailBytes > 0) await session.write(tail!.subarray(0, tailBytes));
      tailBytes = 0;
    }
    await session.write(chunk);
  }
}

async function* toAsync(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

function written(etag: string | undefined, size: number, context: ErrorContext): BlobWriteResult {
  if (etag === undefined) throw s3Error('INTERNAL', 'the server completed the upload without an ETag', context);
  return { etag, version: etag, size };
}

/** Deletes a staging object (gone already counts as deleted: S3 answers 204 either way). */
function deleteStaging(store: StoreContext, staging: { readonly bucket: string; readonly key: string }): Promise<void> {
  return store.connection.withSignal(undefined, () => deleteObject(store.connection, staging)).then(() => undefined);
}

/** Deletes a staging object now or, when the server cannot be reached, leaves it to the background retries. */
function removeStaging(store: StoreContext, staging: { readonly bucket: string; readonly key: string }, onError?: (error: unknown) => void): Promise<void> {
  return deleteStaging(store, staging).catch((error: unknown) => {
    onError?.(error);
    store.leftovers.add(`staging:${staging.bucket}/${staging.key}`, () => deleteStaging(store, staging));
  });
}
