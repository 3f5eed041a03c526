import { createHash, type Hash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { s3Error, type ErrorContext } from '../errors.js';
import { BufferPool } from './buffer-pool.js';

/** S3 numbers parts 1 to 10,000. */
export const MAX_PARTS = 10_000;

/** A part the server acknowledged. */
export interface PartRecord {
  readonly partNumber: number;
  /** The part's ETag as the server returned it, unquoted. */
  readonly etag: string;
  readonly size: number;
}

/** Uploads one part (its bytes stay valid until the promise settles); resolves with the part's ETag. */
export type UploadPart = (partNumber: number, bytes: Buffer, contentMd5: Buffer) => Promise<string>;

/** Options of a {@link PartWriter}. */
export interface PartWriterOptions {
  readonly partSize: number;
  /** Parts in flight at once; also the number of part buffers. */
  readonly parallelParts: number;
  /** Tries per part for errors `isRetryable` accepts. */
  readonly attempts: number;
  /** Number of the first part this writer uploads (parts before it exist already). */
  readonly firstPartNumber: number;
  readonly upload: UploadPart;
  readonly isRetryable: (error: unknown) => boolean;
  /** Hash every byte written with SHA-256 (in order, in this process). */
  readonly sha256: boolean;
  /**
   * Bodies up to this many bytes are held, not uploaded, so that they can go in one PUT
   * (`takeSingle`); at most `partSize × parallelParts` (the buffers it needs). @default 0
   */
  readonly holdBytes?: number | undefined;
  /** Called once per acknowledged part, in completion order (not part order). */
  readonly onPart?: ((part: PartRecord) => void) | undefined;
  /** Where errors of this writer are reported (a body needing more than 10,000 parts). */
  readonly context: ErrorContext;
}

/**
 * Cuts a byte stream into parts of `partSize`, each hashed with MD5 (sent as Content-MD5, so the
 * server rejects a part corrupted in transit) and uploaded with up to `parallelParts` in flight.
 * Memory is bounded by `partSize × parallelParts`: `write` waits for a free part buffer.
 *
 * Full buffers are held until the body is known to be larger than `holdBytes` (more bytes
 * arrive), so a body up to that size can still be sent as a single PUT (`takeSingle`). The MD5 of
 * a part is computed when it leaves, so a held body is hashed once, whichever way it goes. The
 * first failure stops the writer: later writes and `finish` throw it; the owner aborts the upload.
 */
export class PartWriter {
  readonly #options: PartWriterOptions;
  readonly #pool: BufferPool;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #sha256: Hash | undefined;
  readonly #holdBytes: number;
  /** Full buffers not uploaded yet (only while the body may still fit one PUT). */
  readonly #held: Buffer[] = [];
  #current: Buffer | undefined;
  #filled = 0;
  #nextPart: number;
  #bytes = 0;
  #failure: { error: unknown } | undefined;
  #stopped = false;

  constructor(options: PartWriterOptions) {
    this.#options = options;
    this.#pool = new BufferPool(options.partSize, options.parallelParts);
    this.#nextPart = options.firstPartNumber;
    this.#sha256 = options.sha256 ? createHash('sha256') : undefined;
    this.#holdBytes = options.holdBytes ?? 0;
  }

  /** Bytes written to this writer. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Parts handed to `upload` so far. */
  get dispatched(): number {
    return this.#nextPart - this.#options.firstPartNumber;
  }

  /** Copies `chunk` into part buffers, uploading each full one; waits while every buffer is busy. */
  async write(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.byteLength) {
      this.#throwIfFailed();
      if (this.#current !== undefined && this.#filled === this.#options.partSize) {
        this.#held.push(this.#current);
        this.#current = undefined;
        // More bytes are coming: past the hold limit the body goes in parts, the held ones first.
        if (this.#bytes >= this.#holdBytes) this.#dispatchHeld();
      }
      if (this.#current === undefined) {
        this.#current = await this.#pool.acquire();
        this.#filled = 0;
      }
      const size = Math.min(chunk.byteLength - offset, this.#options.partSize - this.#filled);
      const piece = chunk.subarray(offset, offset + size);
      this.#current.set(piece, this.#filled);
      this.#sha256?.update(piece);
      this.#filled += size;
      this.#bytes += size;
      offset += size;
      if (this.#held.length > 0 && this.#bytes > this.#holdBytes) this.#dispatchHeld();
    }
  }

  /**
   * When nothing was dispatched yet: the whole body (its held buffers, in order) and its MD5, for a
   * single PUT; the writer is spent afterwards. `undefined` once parts were dispatched.
   */
  takeSingle(): { chunks: Buffer[]; contentMd5: Buffer } | undefined {
    if (this.dispatched > 0) return undefined;
    this.#stopped = true;
    const chunks = [...this.#held];
    if (this.#current !== undefined) chunks.push(this.#current.subarray(0, this.#filled));
    const md5 = createHash('md5');
    for (const chunk of chunks) md5.update(chunk);
    return { chunks, contentMd5: md5.digest() };
  }

  /** Uploads what is buffered as the last part and waits for every part; throws the first failure. */
  async finish(): Promise<void> {
    this.#throwIfFailed();
    if (this.#current === undefined && this.dispatched === 0) {
      // An empty body still needs one (empty) part.
      this.#current = await this.#pool.acquire();
      this.#filled = 0;
    }
    this.#dispatchHeld();
    if (this.#current !== undefined) this.#dispatch(this.#current, this.#filled);
    this.#current = undefined;
    await this.settle();
    this.#throwIfFailed();
  }

  /** Sends a full buffer and waits for every part in flight; the partial last part stays buffered. */
  async flush(): Promise<void> {
    this.#throwIfFailed();
    this.#dispatchHeld();
    if (this.#current !== undefined && this.#filled === this.#options.partSize) {
      this.#dispatch(this.#current, this.#filled);
      this.#current = undefined;
    }
    await this.settle();
    this.#throwIfFailed();
  }

  /** Waits until no part is in flight (failures are kept, not thrown). */
  async settle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  /** Stops the writer with `error`: pending writes reject with it and no new part starts. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    this.#pool.fail(this.#failure.error);
  }

  /** The hex SHA-256 of every byte written (only with `sha256: true`, once, after the last write). */
  sha256Hex(): string | undefined {
    return this.#sha256?.digest('hex');
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure.error;
    if (this.#stopped) throw new Error('the part writer was already taken');
  }

  #dispatchHeld(): void {
    for (const buffer of this.#held.splice(0)) this.#dispatch(buffer, buffer.byteLength);
  }

  #dispatch(buffer: Buffer, size: number): void {
    const contentMd5 = createHash('md5').update(buffer.subarray(0, size)).digest();
    const partNumber = this.#nextPart;
    this.#nextPart += 1;
    if (partNumber > MAX_PARTS) {
      this.#pool.release(buffer);
      const { partSize, context } = this.#options;
      this.fail(s3Error('PAYLOAD_TOO_LARGE', `the body needs more than ${String(MAX_PARTS)} parts of ${String(partSize)} bytes; raise partSize`, context));
      return;
    }
    const task = this.#uploadWithRetries(partNumber, buffer.subarray(0, size), contentMd5)
      .then((etag) => this.#options.onPart?.({ partNumber, etag, size }))
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.#pool.release(buffer);
        this.#inFlight.delete(task);
      });
    this.#inFlight.add(task);
  }

  async #uploadWithRetries(partNumber: number, bytes: Buffer, contentMd5: Buffer, attempt = 1): Promise<string> {
    try {
      return await this.#options.upload(partNumber, bytes, contentMd5);
    } catch (error) {
      if (attempt >= this.#options.attempts || this.#failure !== undefined || !this.#options.isRetryable(error)) throw error;
      // Exponential backoff with full jitter: 0-100 ms, 0-200 ms, ...
      await sleep(Math.random() * 100 * 2 ** (attempt - 1));
      return this.#uploadWithRetries(partNumber, bytes, contentMd5, attempt + 1);
    }
  }
}
