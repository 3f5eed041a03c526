import type { Hash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { S3Connection } from '../client.js';
import { abortedError, s3Error, toStorageError, type ErrorContext } from '../errors.js';
import { PartWriter, type PartRecord } from './part-writer.js';
import { abortUpload, completeUpload, initiateUpload, listParts, uploadPart, type UploadTarget } from './requests.js';

/** How parts are cut and sent. */
export interface PartSettings {
  readonly partSize: number;
  readonly parallelParts: number;
  readonly partAttempts: number;
}

/** Where a session uploads: an existing upload, or one created on the first part with `headers`. */
export interface SessionTarget {
  readonly bucket: string;
  readonly key: string;
  /** Absent: the upload is created on the first part, with `headers`. */
  readonly uploadId?: string | undefined;
  readonly headers: Record<string, string>;
}

/** Options of a {@link MultipartSession}. */
export interface SessionOptions extends PartSettings {
  readonly connection: S3Connection;
  readonly context: ErrorContext;
  readonly target: SessionTarget;
  /** Parts the upload already has (a resumed upload), contiguous from part 1. */
  readonly existingParts?: readonly PartRecord[] | undefined;
  /** Updated with every byte written (see {@link PartWriter}). */
  readonly sha256?: Hash | undefined;
  /** Bodies up to this size are held for a single PUT (see {@link PartWriter}). @default 0 */
  readonly holdBytes?: number | undefined;
  readonly onPart?: ((part: PartRecord) => void) | undefined;
}

/**
 * One multipart upload in this process: parts written through a {@link PartWriter}, the upload
 * created lazily when the first part leaves (so a small body never creates one), cancelled as a
 * whole on the first failure or when the caller's signal fires, and aborted on the server so no
 * parts are left behind.
 */
export class MultipartSession {
  readonly writer: PartWriter;
  readonly #options: SessionOptions;
  readonly #controller = new AbortController();
  readonly #parts = new Map<number, PartRecord>();
  readonly #detach: () => void;
  #uploadId: Promise<string> | undefined;
  #closed = false;

  constructor(options: SessionOptions) {
    this.#options = options;
    setMaxListeners(0, this.#controller.signal);
    if (options.target.uploadId !== undefined) this.#uploadId = Promise.resolve(options.target.uploadId);
    for (const part of options.existingParts ?? []) this.#parts.set(part.partNumber, part);
    const userSignal = options.context.signal;
    const onAbort = () => this.#stop(abortedError(userSignal as AbortSignal, options.context));
    userSignal?.addEventListener('abort', onAbort, { once: true });
    this.#detach = () => userSignal?.removeEventListener('abort', onAbort);
    const context: ErrorContext = { ...options.context, signal: this.#controller.signal };
    this.writer = new PartWriter({
      partSize: options.partSize,
      parallelParts: options.parallelParts,
      attempts: options.partAttempts,
      firstPartNumber: this.#parts.size + 1,
      sha256: options.sha256,
      holdBytes: options.holdBytes,
      upload: (partNumber, chunks, contentMd5) =>
        this.#run(async () => uploadPart(options.connection, await this.#target(), partNumber, chunks, contentMd5)),
      isRetryable: (error) => toStorageError(error, context).retryable,
      onPart: (part) => {
        this.#parts.set(part.partNumber, part);
        options.onPart?.(part);
      },
      context: options.context,
    });
    if (userSignal?.aborted === true) onAbort();
  }

  /** The upload id, once the upload exists. */
  get uploadId(): Promise<string | undefined> {
    return this.#uploadId === undefined ? Promise.resolve(undefined) : this.#uploadId.catch(() => undefined);
  }

  /** Acknowledged parts, in part order. */
  get parts(): PartRecord[] {
    return [...this.#parts.values()].sort((a, b) => a.partNumber - b.partNumber);
  }

  /** Writes `chunk`; throws the session's failure (mapped) once it failed. */
  async write(chunk: Uint8Array): Promise<void> {
    try {
      await this.writer.write(chunk);
    } catch (error) {
      throw this.#mapped(error);
    }
  }

  /** Waits until every full part written so far is acknowledged. */
  async flush(): Promise<void> {
    try {
      await this.writer.flush();
    } catch (error) {
      throw this.#mapped(error);
    }
  }

  /** Uploads the rest and completes the upload; resolves with the upload key's ETag. */
  async complete(): Promise<{ etag: string | undefined; parts: PartRecord[]; target: UploadTarget }> {
    try {
      await this.writer.finish();
      const target = await this.#target();
      const parts = this.parts;
      const etag = await this.#run(() => completeUpload(this.#options.connection, target, parts));
      this.#closed = true;
      this.#detach();
      return { etag, parts, target };
    } catch (error) {
      throw this.#mapped(error);
    }
  }

  /**
   * Cancels in-flight parts, waits for them, then aborts the upload on the server and checks it is
   * gone (a part that was still being stored could otherwise survive the first abort).
   */
  async abort(reason?: unknown): Promise<void> {
    this.#stop(reason ?? s3Error('UNAVAILABLE', 'the upload was aborted', this.#options.context));
    await this.writer.settle();
    this.#detach();
    if (this.#closed) return;
    const uploadId = await this.uploadId;
    if (uploadId !== undefined) {
      // Closed only once the server confirmed: a failed abort can be tried again (see Leftovers).
      const target = { bucket: this.#options.target.bucket, key: this.#options.target.key, uploadId };
      const { connection } = this.#options;
      await connection.withSignal(undefined, async () => {
        for (let attempt = 0; attempt < 3; attempt += 1) {
          await abortUpload(connection, target);
          try {
            await listParts(connection, target);
          } catch {
            return; // NoSuchUpload: nothing left
          }
        }
      });
    }
    this.#closed = true;
  }

  #stop(reason: unknown): void {
    this.writer.fail(reason);
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  #target(): Promise<UploadTarget> {
    const { connection, target } = this.#options;
    // Never cancelled: an abort racing the response would leave an upload whose id we never learn.
    // Once it resolves, `abort()` can always remove it.
    this.#uploadId ??= connection.withSignal(undefined, () => initiateUpload(connection, target.bucket, target.key, target.headers));
    return this.#uploadId.then((uploadId) => ({ bucket: target.bucket, key: target.key, uploadId }));
  }

  #run<T>(operation: () => Promise<T>): Promise<T> {
    return this.#options.connection.withSignal(this.#controller.signal, operation);
  }

  #mapped(error: unknown) {
    return toStorageError(error, this.#options.context);
  }
}
