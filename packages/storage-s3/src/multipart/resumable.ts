import { createHash, type Hash } from 'node:crypto';
import { CHECKSUM_METADATA_KEY, type BlobAcl, type BlobWriteResult } from '@sanctum/storage-core/spi';
import type { StoreContext } from '../context.js';
import { s3Error, throwIfAborted, toStorageError, type ErrorContext } from '../errors.js';
import { objectHeaders } from '../headers.js';
import { copyObject, deleteObject } from './copy.js';
import type { PartRecord } from './part-writer.js';
import { listParts } from './requests.js';
import { MultipartSession } from './session.js';

/** Tag of the state format; a state with another one is refused. */
export const UPLOAD_STATE_FORMAT = 'sanctum-s3-upload/1';

/**
 * Everything needed to continue an upload in another process: plain JSON, no secrets. Persist it
 * from `onProgress` and pass it to `resumeUpload` after a restart; then feed the source again from
 * byte `bytes`.
 */
export interface ResumableUploadState {
  readonly format: typeof UPLOAD_STATE_FORMAT;
  readonly namespace: string;
  readonly key: string;
  readonly bucket: string;
  /** The staging key the parts go to; the object is copied to its key on completion. */
  readonly uploadKey: string;
  readonly uploadId: string;
  readonly partSize: number;
  /** Acknowledged parts, contiguous from part 1, with the ETags the server returned. */
  readonly parts: readonly PartRecord[];
  /** Bytes covered by `parts`: where the source must continue after a resume. */
  readonly bytes: number;
  readonly contentType?: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly acl?: BlobAcl;
  /** ISO time the upload was created. */
  readonly createdAt: string;
}

/** Called with a fresh state each time more of the body is durably uploaded. */
export type UploadProgress = (state: ResumableUploadState) => void | Promise<void>;

/** What `createUpload` takes. */
export interface CreateUploadRequest {
  readonly namespace: string;
  readonly key: string;
  readonly contentType?: string;
  /** User metadata (lower-case keys, not starting with `sanctum-`). */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly acl?: BlobAcl;
  /** Cancels in-flight parts; the upload stays resumable (call `abort()` to discard it). */
  readonly signal?: AbortSignal;
  readonly onProgress?: UploadProgress;
}

/** What `resumeUpload` takes besides the state. */
export interface ResumeUploadOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: UploadProgress;
  /**
   * The body's first `state.bytes` bytes once more (e.g. the file read from its start; reading
   * stops there). They are hashed while `resumeUpload` runs, so `complete()` knows the object's
   * SHA-256 without reading the assembled upload back from the server; each part is checked
   * against its recorded ETag (the part's MD5), and a source that no longer matches what was
   * uploaded is refused with INVALID_ARGUMENT. Without it (or when a part's ETag is not an MD5, as
   * with SSE-KMS), `complete()` reads the assembled upload back once to hash it.
   */
  readonly prefix?: AsyncIterable<Uint8Array>;
}

/**
 * An upload that survives process restarts. Write the body in order (`write` applies backpressure:
 * it waits while `parallelParts` parts are in flight), then `complete()`. The object appears at its
 * key only on completion, with `sanctum-sha256` metadata so facade reads verify it.
 */
export interface ResumableUpload {
  /** The durable progress, as `onProgress` last reported it. */
  readonly state: ResumableUploadState;
  /** Appends bytes to the body. Do not call concurrently. */
  write(chunk: Uint8Array): Promise<void>;
  /** Appends everything `source` yields. */
  writeFrom(source: AsyncIterable<Uint8Array | string>): Promise<void>;
  /**
   * Waits until every full part written so far is on the server and reported through `onProgress`:
   * then `state.bytes` is the written length rounded down to whole parts.
   */
  flush(): Promise<void>;
  /** Uploads the rest, assembles the object and publishes it at its key. */
  complete(): Promise<BlobWriteResult>;
  /** Discards the upload and every part on the server. */
  abort(): Promise<void>;
}

/** A resumable upload of this adapter (see {@link ResumableUpload}). */
export class S3ResumableUpload implements ResumableUpload {
  readonly #store: StoreContext;
  readonly #session: MultipartSession;
  readonly #context: ErrorContext;
  readonly #onProgress: UploadProgress | undefined;
  readonly #acked = new Map<number, PartRecord>();
  readonly #startBytes: number;
  #state: ResumableUploadState;
  #progress: Promise<void> = Promise.resolve();
  #progressFailure: { error: unknown } | undefined;
  #assembled: { size: number; sha256: string } | undefined;

  /**
   * `prefixHash`: a SHA-256 already fed the state's `bytes` uploaded bytes (see
   * {@link hashUploadedPrefix}). Node cannot export a SHA-256 midstate, so a resumed upload without
   * one reads the assembled object back once on completion.
   */
  constructor(store: StoreContext, state: ResumableUploadState, options: ResumeUploadOptions, operation: string, prefixHash?: Hash) {
    this.#store = store;
    this.#state = state;
    this.#onProgress = options.onProgress;
    this.#context = { operation, namespace: state.namespace, signal: options.signal };
    const hash = state.bytes === 0 ? createHash('sha256') : prefixHash;
    this.#startBytes = state.bytes;
    this.#session = new MultipartSession({
      ...store.parts,
      partSize: state.partSize,
      connection: store.connection,
      context: this.#context,
      target: { bucket: state.bucket, key: state.uploadKey, uploadId: state.uploadId, headers: {} },
      existingParts: state.parts,
      sha256: hash,
      onPart: (part) => this.#acknowledge(part),
    });
  }

  get state(): ResumableUploadState {
    return this.#state;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#throwIfProgressFailed();
    await this.#session.write(chunk);
  }

  async writeFrom(source: AsyncIterable<Uint8Array | string>): Promise<void> {
    for await (const chunk of source) await this.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }

  async flush(): Promise<void> {
    await this.#session.flush();
    await this.#progress;
    this.#throwIfProgressFailed();
  }

  async complete(): Promise<BlobWriteResult> {
    const { connection } = this.#store;
    const staging = { bucket: this.#state.bucket, key: this.#state.uploadKey };
    try {
      if (this.#assembled === undefined) {
        const size = this.#startBytes + this.#session.writer.bytes;
        await this.#session.complete();
        await this.#progress;
        this.#throwIfProgressFailed();
        const sha256 = this.#session.writer.sha256Hex() ?? (await connection.withSignal(this.#context.signal, () => this.#readBackSha256(size)));
        this.#assembled = { size, sha256 };
      }
      const { size, sha256 } = this.#assembled;
      const headers = objectHeaders({
        contentType: this.#state.contentType,
        metadata: { ...this.#state.metadata, [CHECKSUM_METADATA_KEY]: sha256 },
        acl: this.#state.acl,
      });
      const { layout } = this.#store;
      const location = layout.locate(this.#state.namespace, this.#context);
      const target = { bucket: location.bucket, key: layout.objectKey(location, this.#state.key, this.#context) };
      const etag = await connection.withSignal(this.#context.signal, () => copyObject(connection, staging, target, size, headers, this.#store.copy));
      if (etag === undefined) throw s3Error('INTERNAL', 'the server copied the upload without an ETag', this.#context);
      await connection.withSignal(undefined, () => deleteObject(connection, staging)).catch(() => undefined);
      return { etag, version: etag, size };
    } catch (error) {
      throw toStorageError(error, this.#context);
    }
  }

  async abort(): Promise<void> {
    await this.#session.abort();
    if (this.#assembled !== undefined) {
      const { connection } = this.#store;
      await connection.withSignal(undefined, () => deleteObject(connection, { bucket: this.#state.bucket, key: this.#state.uploadKey }));
    }
  }

  #acknowledge(part: PartRecord): void {
    this.#acked.set(part.partNumber, part);
    const added: PartRecord[] = [];
    let bytes = this.#state.bytes;
    for (let next = this.#acked.get(this.#state.parts.length + 1); next !== undefined; next = this.#acked.get(this.#state.parts.length + added.length + 1)) {
      added.push(next);
      bytes += next.size;
    }
    if (added.length === 0) return;
    const state: ResumableUploadState = { ...this.#state, parts: [...this.#state.parts, ...added], bytes };
    this.#state = state;
    const report = this.#onProgress;
    if (report === undefined) return;
    this.#progress = this.#progress.then(async () => {
      try {
        await report(state);
      } catch (error) {
        this.#progressFailure ??= { error };
        this.#session.writer.fail(s3Error('INTERNAL', 'onProgress failed; the upload stays resumable from its last reported state', this.#context, { cause: error }));
      }
    });
  }

  #throwIfProgressFailed(): void {
    if (this.#progressFailure !== undefined) {
      throw s3Error('INTERNAL', 'onProgress failed; the upload stays resumable from its last reported state', this.#context, { cause: this.#progressFailure.error });
    }
  }

  async #readBackSha256(size: number): Promise<string> {
    const response = await this.#store.connection.request({ method: 'GET', bucketName: this.#state.bucket, objectName: this.#state.uploadKey });
    const hash = createHash('sha256');
    let read = 0;
    for await (const chunk of response) {
      hash.update(chunk as Buffer);
      read += (chunk as Buffer).byteLength;
    }
    if (read !== size) throw s3Error('INTERNAL', `the assembled upload has ${String(read)} bytes, ${String(size)} were written`, this.#context);
    return hash.digest('hex');
  }
}

function invalidState(message: string, context: ErrorContext): Error {
  return s3Error('INVALID_ARGUMENT', `not a resumable upload state: ${message}`, context);
}

/** Checks a deserialized state's shape; INVALID_ARGUMENT naming the first problem. */
export function assertUploadState(value: unknown, context: ErrorContext): asserts value is ResumableUploadState {
  if (typeof value !== 'object' || value === null) throw invalidState('expected an object', context);
  const state = value as Record<string, unknown>;
  if (state['format'] !== UPLOAD_STATE_FORMAT) throw invalidState(`format must be "${UPLOAD_STATE_FORMAT}"`, context);
  for (const name of ['namespace', 'key', 'bucket', 'uploadKey', 'uploadId', 'createdAt']) {
    if (typeof state[name] !== 'string' || state[name] === '') throw invalidState(`${name} must be a non-empty string`, context);
  }
  if (!Number.isInteger(state['partSize']) || !Number.isInteger(state['bytes'])) throw invalidState('partSize and bytes must be integers', context);
  const parts = state['parts'];
  const valid =
    Array.isArray(parts) &&
    parts.every(
      (part: Record<string, unknown>, index) =>
        typeof part === 'object' && part !== null && part['partNumber'] === index + 1 && typeof part['etag'] === 'string' && Number.isInteger(part['size']),
    );
  if (!valid) throw invalidState('parts must be contiguous from 1 with partNumber, etag and size', context);
  if ((parts as PartRecord[]).reduce((sum, part) => sum + part.size, 0) !== state['bytes']) throw invalidState('bytes must equal the sum of the part sizes', context);
  if (typeof state['metadata'] !== 'object' || state['metadata'] === null) throw invalidState('metadata must be an object', context);
}

/**
 * Hashes the first `state.bytes` bytes of `source` (the body's uploaded prefix, given again) with
 * SHA-256, checking each part against its recorded ETag (MD5 of the part) on the way. Undefined
 * when an ETag is not a plain MD5 (SSE-KMS, SSE-C): the prefix cannot be checked, the caller reads
 * the assembled object back instead. INVALID_ARGUMENT when the source ends early or differs.
 */
export async function hashUploadedPrefix(state: ResumableUploadState, source: AsyncIterable<Uint8Array>, context: ErrorContext): Promise<Hash | undefined> {
  if (!state.parts.every((part) => /^[0-9a-f]{32}$/.test(part.etag))) return undefined;
  const sha256 = createHash('sha256');
  let index = 0;
  let md5 = createHash('md5');
  let inPart = 0;
  const finishParts = () => {
    for (let part = state.parts[index]; part !== undefined && inPart === part.size; part = state.parts[index]) {
      if (md5.digest('hex') !== part.etag) {
        throw s3Error('INVALID_ARGUMENT', `prefix: part ${String(part.partNumber)} of the upload differs from these bytes (its MD5 does not match the part's ETag); the source changed since it was uploaded: start the upload over`, context, {
          details: { field: 'prefix', partNumber: part.partNumber },
        });
      }
      index += 1;
      md5 = createHash('md5');
      inPart = 0;
    }
  };
  if (state.parts.length === 0) return sha256;
  for await (const item of source) {
    throwIfAborted(context);
    let chunk = item;
    while (chunk.byteLength > 0 && index < state.parts.length) {
      const take = Math.min(chunk.byteLength, (state.parts[index] as PartRecord).size - inPart);
      const piece = chunk.subarray(0, take);
      sha256.update(piece);
      md5.update(piece);
      inPart += take;
      chunk = chunk.subarray(take);
      finishParts();
    }
    if (index === state.parts.length) break;
  }
  if (index < state.parts.length) {
    throw s3Error('INVALID_ARGUMENT', `prefix: the source ended before the ${String(state.bytes)} bytes already uploaded; give the body from its first byte`, context, {
      details: { field: 'prefix', bytes: state.bytes },
    });
  }
  return sha256;
}

/** Verifies that the server still holds the state's upload and every part it lists. */
export async function verifyUploadState(store: StoreContext, state: ResumableUploadState, context: ErrorContext): Promise<void> {
  const location = store.layout.locate(state.namespace, context);
  if (location.bucket !== state.bucket || !state.uploadKey.startsWith(location.stagingPrefix)) {
    throw s3Error('INVALID_ARGUMENT', 'the upload state belongs to another bucket or layout than this store is configured with', context);
  }
  const listed = await store.connection.withSignal(context.signal, () =>
    listParts(store.connection, { bucket: state.bucket, key: state.uploadKey, uploadId: state.uploadId }),
  );
  const onServer = new Map(listed.map((part) => [part.part, part]));
  for (const part of state.parts) {
    const found = onServer.get(part.partNumber);
    if (found?.etag !== part.etag || found.size !== part.size) {
      throw s3Error('INVALID_ARGUMENT', `part ${String(part.partNumber)} of the upload state is not on the server as recorded`, context);
    }
  }
}
