import { createHash, type Hash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { s3Error, type ErrorContext } from '../errors.js';
import { PartSlots } from './part-slots.js';

/** S3 numbers parts 1 to 10,000. */
export const MAX_PARTS = 10_000;

/** A part the server acknowledged. */
export interface PartRecord {
  readonly partNumber: number;
  /** The part's ETag as the server returned it, unquoted. */
  readonly etag: string;
  readonly size: number;
}

/** Uploads one part, given as the chunks it is made of; resolves with the part's ETag. */
export type UploadPart = (partNumber: number, chunks: readonly Buffer[], contentMd5: Buffer) => Promise<string>;

/** One part: `size` bytes at the start of a part buffer of this writer. */
interface Part {
  readonly buffer: Buffer;
  size: number;
}

const EMPTY = Buffer.alloc(0);

const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

/** The MD5 of bytes given as chunks (a Content-MD5). */
export function md5Of(chunks: readonly Uint8Array[]): Buffer {
  const md5 = createHash('md5');
  for (const chunk of chunks) md5.update(chunk);
  return md5.digest();
}

/** Options of a {@link PartWriter}. */
export interface PartWriterOptions {
  readonly partSize: number;
  /** Parts alive at once: the one being filled and those in flight. */
  readonly parallelParts: number;
  /** Tries per part for errors `isRetryable` accepts. */
  readonly attempts: number;
  /** Number of the first part this writer uploads (parts before it exist already). */
  readonly firstPartNumber: number;
  readonly upload: UploadPart;
  readonly isRetryable: (error: unknown) => boolean;
  /**
   * A SHA-256 to update with every byte written, in order (a resumed upload passes one that already
   * holds the body's uploaded prefix). Absent: nothing is hashed.
   */
  readonly sha256?: Hash | undefined;
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
 * server rejects a part corrupted in transit) and uploaded with up to `parallelParts` alive. The
 * bytes are copied into at most `parallelParts` part buffers of `partSize`, allocated when first
 * needed and reused for every later part of the upload, so memory is bounded by
 * `partSize × parallelParts` and the caller's chunks are garbage as soon as `write` returns (they
 * die young; held until their part was acknowledged they lived long enough to reach V8's old
 * generation and stayed in RSS until a full GC: ADR-009). `write` waits for a free buffer.
 *
 * Full buffers are held until the body is known to be larger than `holdBytes` (more bytes
 * arrive), so a body up to that size can still be sent as a single PUT (`takeSingle`). The MD5 of
 * a part is computed when it leaves, so a held body is hashed at most once, whichever way it goes. The
 * first failure stops the writer: later writes and `finish` throw it; the owner aborts the upload.
 */
export class PartWriter {
  readonly #options: PartWriterOptions;
  readonly #slots: PartSlots;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #sha256: Hash | undefined;
  readonly #holdBytes: number;
  /** Full parts not uploaded yet (only while the body may still fit one PUT). */
  readonly #held: Part[] = [];
  /**
   * While the body fits one part: copies of its chunks at their own sizes. A small body then
   * allocates what it is, not a part buffer: V8 counts an ArrayBuffer's whole size as external
   * memory and collects fully after ~64 MiB of it, so an 8 MiB buffer per 1 MiB put meant a full
   * collection every few puts (ADR-009). Past one part they move into a part buffer, young.
   */
  readonly #small: Buffer[] = [];
  #smallOpen: boolean;
  /** Part buffers free for reuse (their part was acknowledged). */
  readonly #free: Buffer[] = [];
  #current: Part | undefined;
  #nextPart: number;
  #bytes = 0;
  #failure: { error: unknown } | undefined;
  #stopped = false;

  constructor(options: PartWriterOptions) {
    this.#options = options;
    this.#slots = new PartSlots(options.parallelParts);
    this.#nextPart = options.firstPartNumber;
    this.#sha256 = options.sha256;
    this.#holdBytes = options.holdBytes ?? 0;
    this.#smallOpen = this.#holdBytes > 0;
  }

  /** Bytes written to this writer. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Parts handed to `upload` so far. */
  get dispatched(): number {
    return this.#nextPart - this.#options.firstPartNumber;
  }

  /** Adds `chunk` to parts, uploading each full one; waits while every slot is busy. */
  async write(chunk: Uint8Array): Promise<void> {
    const bytes = asBuffer(chunk);
    if (this.#smallOpen) {
      this.#throwIfFailed();
      if (this.#bytes + bytes.byteLength <= Math.min(this.#holdBytes, this.#options.partSize)) {
        const copy = Buffer.allocUnsafeSlow(bytes.byteLength);
        bytes.copy(copy);
        this.#small.push(copy);
        this.#sha256?.update(bytes);
        this.#bytes += bytes.byteLength;
        return;
      }
      await this.#leaveSmall();
    }
    let offset = 0;
    while (offset < bytes.byteLength) {
      this.#throwIfFailed();
      if (this.#current !== undefined && this.#current.size === this.#options.partSize) {
        this.#held.push(this.#current);
        this.#current = undefined;
        // More bytes are coming: past the hold limit the body goes in parts, the held ones first.
        if (this.#bytes >= this.#holdBytes) this.#dispatchHeld();
      }
      if (this.#current === undefined) {
        await this.#slots.acquire();
        this.#current = { buffer: this.#free.pop() ?? Buffer.allocUnsafeSlow(this.#options.partSize), size: 0 };
      }
      const size = Math.min(bytes.byteLength - offset, this.#options.partSize - this.#current.size);
      const piece = offset === 0 && size === bytes.byteLength ? bytes : bytes.subarray(offset, offset + size);
      piece.copy(this.#current.buffer, this.#current.size);
      this.#sha256?.update(piece);
      this.#current.size += size;
      this.#bytes += size;
      offset += size;
      if (this.#held.length > 0 && this.#bytes > this.#holdBytes) this.#dispatchHeld();
    }
  }

  /**
   * When nothing was dispatched yet: the whole body (its held buffers, in order, then `tail`: bytes
   * the caller kept past `holdBytes`), for a single PUT (its integrity header is the caller's choice:
   * {@link md5Of} or a SHA-256 it has); the writer is spent afterwards. `undefined` once parts were dispatched.
   */
  takeSingle(tail: readonly Buffer[] = []): { chunks: Buffer[] } | undefined {
    if (this.dispatched > 0) return undefined;
    this.#stopped = true;
    if (this.#smallOpen) return { chunks: [...this.#small.splice(0), ...tail] };
    const chunks = [...this.#held, ...(this.#current === undefined ? [] : [this.#current])].map((part) => part.buffer.subarray(0, part.size));
    chunks.push(...tail);
    return { chunks };
  }

  /** Uploads what is buffered as the last part and waits for every part; throws the first failure. */
  async finish(): Promise<void> {
    this.#throwIfFailed();
    await this.#leaveSmall();
    if (this.#current === undefined && this.dispatched === 0) {
      // An empty body still needs one (empty) part.
      await this.#slots.acquire();
      this.#current = { buffer: EMPTY, size: 0 };
    }
    this.#dispatchHeld();
    if (this.#current !== undefined) this.#dispatch(this.#current);
    this.#current = undefined;
    await this.settle();
    this.#throwIfFailed();
  }

  /** Sends a full buffer and waits for every part in flight; the partial last part stays buffered. */
  async flush(): Promise<void> {
    this.#throwIfFailed();
    await this.#leaveSmall();
    this.#dispatchHeld();
    if (this.#current !== undefined && this.#current.size === this.#options.partSize) {
      this.#dispatch(this.#current);
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
    this.#slots.fail(this.#failure.error);
  }

  /** The hex SHA-256 of the given hash (only with `sha256`; once, after the last write). */
  sha256Hex(): string | undefined {
    return this.#sha256?.digest('hex');
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure.error;
    if (this.#stopped) throw new Error('the part writer was already taken');
  }

  /** The body outgrew one part (or leaves as parts): its small copies move into the first part buffer. */
  async #leaveSmall(): Promise<void> {
    if (!this.#smallOpen) return;
    this.#smallOpen = false;
    const copies = this.#small.splice(0);
    if (copies.length === 0) return;
    await this.#slots.acquire();
    const current: Part = { buffer: this.#free.pop() ?? Buffer.allocUnsafeSlow(this.#options.partSize), size: 0 };
    for (const copy of copies) current.size += copy.copy(current.buffer, current.size);
    this.#current = current;
  }

  #dispatchHeld(): void {
    for (const part of this.#held.splice(0)) this.#dispatch(part);
  }

  #dispatch({ buffer, size }: Part): void {
    const chunks = [buffer.subarray(0, size)];
    const contentMd5 = createHash('md5').update(chunks[0] as Buffer).digest();
    const partNumber = this.#nextPart;
    this.#nextPart += 1;
    if (partNumber > MAX_PARTS) {
      this.#slots.release();
      const { partSize, context } = this.#options;
      this.fail(s3Error('PAYLOAD_TOO_LARGE', `the body needs more than ${String(MAX_PARTS)} parts of ${String(partSize)} bytes; raise partSize`, context));
      return;
    }
    const task = this.#uploadWithRetries(partNumber, chunks, contentMd5)
      .then((etag) => {
        // The server has every byte: the buffer can take the next part. (After a failure a request
        // may still hold it; the writer stops then, so it is never reused.)
        if (buffer !== EMPTY) this.#free.push(buffer);
        this.#options.onPart?.({ partNumber, etag, size });
      })
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.#slots.release();
        this.#inFlight.delete(task);
      });
    this.#inFlight.add(task);
  }

  async #uploadWithRetries(partNumber: number, chunks: readonly Buffer[], contentMd5: Buffer, attempt = 1): Promise<string> {
    try {
      return await this.#options.upload(partNumber, chunks, contentMd5);
    } catch (error) {
      if (attempt >= this.#options.attempts || this.#failure !== undefined || !this.#options.isRetryable(error)) throw error;
      // Exponential backoff with full jitter: 0-100 ms, 0-200 ms, ...
      await sleep(Math.random() * 100 * 2 ** (attempt - 1));
      return this.#uploadWithRetries(partNumber, chunks, contentMd5, attempt + 1);
    }
  }
}
