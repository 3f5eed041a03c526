import { Transform, type TransformCallback } from 'node:stream';
import { StorageError } from '../errors/index.js';
import type { DataKeyCache } from './data-key-cache.js';
import type { EncryptionContext, KeyProvider } from './key-provider.js';
import {
  TAG_BYTES,
  checkCommitment,
  checkHeader,
  decryptFailed,
  deriveKeys,
  deriveKeysV2,
  deriveSharedKeys,
  freshDataKey,
  freshMessageId,
  openFrame,
  openSingle,
  readHeader,
  rewrapHeader,
  sealFrameParts,
  sealSingle,
  verifyHeader,
  writeHeader,
  type DerivedKeys,
  type EnvelopeHeader,
} from './envelope-format.js';

/** Plaintext bytes per frame of a blob: 64 KiB (overhead 16 bytes per frame, 0.02%). */
export const DEFAULT_FRAME_BYTES = 64 * 1024;

/** A started framed envelope: its header and the keys its frames are sealed with. */
export interface FramedSeal {
  readonly header: Buffer;
  readonly keys: DerivedKeys;
  readonly messageId: Buffer;
  readonly frameSize: number;
}

/** An opened header: the keys, ready to open frames. */
export interface OpenedHeader {
  readonly header: EnvelopeHeader;
  readonly keys: DerivedKeys;
}

async function newEnvelope(provider: KeyProvider, keyId: string, context: EncryptionContext, frameSize: number): Promise<FramedSeal> {
  const { dataKey, messageId } = freshDataKey();
  const wrapped = await provider.wrap(keyId, dataKey, context);
  const keys = deriveKeys(dataKey, messageId);
  dataKey.fill(0);
  return { header: writeHeader(keys, messageId, keyId, wrapped, frameSize, context), keys, messageId, frameSize };
}

/**
 * Encrypts a small value (a record, a message) as one v2 envelope: header ‖ ciphertext ‖ tag, one
 * AES-GCM call. With `cache`, the data key is the namespace's shared one (see DataKeyCache); without,
 * a fresh one.
 */
export async function sealBytes(provider: KeyProvider, keyId: string, context: EncryptionContext, plaintext: Uint8Array, cache?: DataKeyCache): Promise<Buffer> {
  if (cache === undefined) {
    const { dataKey, messageId } = freshDataKey();
    let keys: DerivedKeys;
    let wrapped: Uint8Array;
    try {
      wrapped = await provider.wrap(keyId, dataKey, context);
      keys = deriveKeysV2(dataKey);
    } finally {
      dataKey.fill(0);
    }
    return sealSingle(keys, messageId, keyId, wrapped, false, context, plaintext);
  }
  const { keys, wrapped } = cache.takeSealKey(keyId) ?? (await cache.sealKey(provider, keyId, context.namespace));
  return sealSingle(keys, freshMessageId(), keyId, wrapped, true, context, plaintext);
}

/** The context a header's data key was wrapped under: the value's own, or its namespace's (shared). */
function wrapContext(header: EnvelopeHeader, context: EncryptionContext): EncryptionContext {
  return header.shared ? { namespace: context.namespace, key: '' } : context;
}

/**
 * Parses and authenticates a header (unwrapping its data key through `provider`, or `cache` for a
 * shared data key).
 */
export async function openHeader(provider: KeyProvider, bytes: Buffer, context: EncryptionContext, cache?: DataKeyCache): Promise<OpenedHeader> {
  const header = readHeader(bytes);
  if (header.shared && cache !== undefined) {
    if (header.version === 2) {
      const known = cache.openKeys(provider, header.keyId, header.wrapped, context.namespace);
      return { header, keys: checkCommitment(header, known instanceof Promise ? await known : known) };
    }
    const prk = await cache.openPrkV1(provider, header.keyId, header.wrapped, context.namespace);
    return { header, keys: checkHeader(header, bytes, deriveSharedKeys(prk, header.messageId), context) };
  }
  const dataKey = await provider.unwrap(header.keyId, header.wrapped, wrapContext(header, context));
  try {
    return { header, keys: verifyHeader(header, bytes, dataKey, context) };
  } finally {
    dataKey.fill(0);
  }
}

/**
 * {@link openHeader} for a framed envelope (a blob's header): DECRYPT_FAILED for a single-value one
 * (v2 has no header tag, so a record's header must never be taken for a blob's).
 */
export async function openFramedHeader(provider: KeyProvider, bytes: Buffer, context: EncryptionContext): Promise<OpenedHeader> {
  const header = readHeader(bytes);
  if (header.version !== 1 || header.frameSize === 0) throw decryptFailed('a single-value envelope where a framed one was expected');
  return openHeader(provider, bytes, context);
}

/** Decrypts a value sealed by {@link sealBytes} (v2, or v1 from before); DECRYPT_FAILED on any change. */
export async function openBytes(provider: KeyProvider, bytes: Buffer, context: EncryptionContext, cache?: DataKeyCache): Promise<Buffer> {
  const { header, keys } = await openHeader(provider, bytes, context, cache);
  if (header.version === 2) return openSingle(header, keys, bytes, context);
  if (header.frameSize !== 0) throw decryptFailed('a framed envelope where a single value was expected');
  return openFrame(keys, header.messageId, 0, true, bytes.subarray(header.length));
}

/** The header's key id, without unwrapping anything (rotation picks what to re-wrap by it). */
export function envelopeKeyId(bytes: Buffer): string {
  return readHeader(bytes).keyId;
}

/**
 * Re-wraps the data key of an envelope under `toKeyId`: the header changes (wrapped key, key id,
 * v1 tag), the ciphertext after it does not. Returns the new header. The old header is checked
 * first (unwrap and key commitment; v1 also its tag); a v2 header's other fields are carried over
 * unchanged and stay authenticated by the body.
 */
export async function rewrap(provider: KeyProvider, header: Buffer, toKeyId: string, context: EncryptionContext): Promise<Buffer> {
  const parsed = readHeader(header);
  const dataKey = await provider.unwrap(parsed.keyId, parsed.wrapped, wrapContext(parsed, context));
  try {
    const keys = verifyHeader(parsed, header, dataKey, context);
    const wrapped = await provider.wrap(toKeyId, dataKey, wrapContext(parsed, context));
    return rewrapHeader(parsed, keys, toKeyId, wrapped, context);
  } finally {
    dataKey.fill(0);
  }
}

/** Starts a framed envelope (blob); the header goes to metadata, the frames to the body. */
export function startFramed(provider: KeyProvider, keyId: string, context: EncryptionContext, frameSize = DEFAULT_FRAME_BYTES): Promise<FramedSeal> {
  return newEnvelope(provider, keyId, context, frameSize);
}

/** Ciphertext size of `plainSize` bytes in frames of `frameSize`. */
export function cipherSizeOf(plainSize: number, frameSize: number): number {
  return plainSize + (Math.floor(plainSize / frameSize) + 1) * TAG_BYTES;
}

/** Plaintext size of a framed body of `cipherSize` bytes; DECRYPT_FAILED when no plaintext size maps to it. */
export function plainSizeOf(cipherSize: number, frameSize: number): number {
  const full = Math.floor(cipherSize / (frameSize + TAG_BYTES));
  const rest = cipherSize - full * (frameSize + TAG_BYTES) - TAG_BYTES;
  if (rest < 0 || rest >= frameSize) throw decryptFailed('body length does not match the frame layout (truncated or extended)');
  return full * frameSize + rest;
}

/**
 * Seals a byte stream into frames as it flows; memory stays at about one frame plus one input chunk.
 * A full frame is sealed as soon as its bytes are in (the last frame is always shorter than a full
 * one: a body of whole frames ends with an empty last frame), straight from the input chunk when it
 * lies within one; a frame spread over chunks is gathered in one frame buffer, reused for every
 * frame (the cipher consumes it at once). Each frame goes out as its ciphertext and its tag, the
 * cipher's own output buffers, never copied again. Readers get Buffers (object mode, see below).
 */
export class FrameSealer extends Transform {
  readonly #seal: FramedSeal;
  /** A frame gathered from several chunks (allocated on first need). */
  #frame: Buffer | undefined;
  #frameBytes = 0;
  #index = 0;
  #plainBytes = 0;

  constructor(seal: FramedSeal) {
    // Object mode on the readable side: a reader (an adapter's async iterator) gets each frame's
    // buffers as they are, where a byte-mode read() would concatenate everything buffered into one
    // new buffer (a copy per byte, and 1 MiB of garbage per read: +10 MiB peak RSS on a 1 GiB
    // upload, ADR-029). 32 objects: 16 frames and their tags, 1 MiB.
    super({ writableHighWaterMark: 1024 * 1024, readableObjectMode: true, readableHighWaterMark: 32 });
    this.#seal = seal;
  }

  /** Plaintext bytes sealed so far. */
  get plainBytes(): number {
    return this.#plainBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      const size = this.#seal.frameSize;
      this.#plainBytes += chunk.length;
      let offset = 0;
      if (this.#frameBytes > 0) {
        offset = Math.min(size - this.#frameBytes, chunk.length);
        chunk.copy(this.#frame!, this.#frameBytes, 0, offset);
        this.#frameBytes += offset;
        if (this.#frameBytes < size) return callback();
        this.#frameBytes = 0;
        this.#emit(this.#frame!, false);
      }
      while (chunk.length - offset >= size) {
        this.#emit(chunk.subarray(offset, offset + size), false);
        offset += size;
      }
      if (offset < chunk.length) {
        this.#frame ??= Buffer.allocUnsafeSlow(size);
        this.#frameBytes = chunk.copy(this.#frame, 0, offset);
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#emit(this.#frameBytes === 0 ? Buffer.alloc(0) : this.#frame!.subarray(0, this.#frameBytes), true);
      this.#frameBytes = 0;
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  #emit(plain: Buffer, last: boolean): void {
    const [body, tag] = sealFrameParts(this.#seal.keys, this.#seal.messageId, this.#index++, last, plain);
    if (body.length > 0) this.push(body);
    this.push(tag);
  }
}

/** Which frames a read covers and how to cut the plaintext they yield. */
export interface FrameWindow {
  /** First frame index read. */
  readonly firstFrame: number;
  /** Index of the object's last frame (the one sealed as last). */
  readonly lastFrame: number;
  /** Plaintext bytes to drop from the start of the first frame. */
  readonly skip: number;
  /** Plaintext bytes to hand out in total. */
  readonly take: number;
  /** Whether the read ends with the object's last frame (always so for a full read). */
  readonly readsLast: boolean;
}

/**
 * Opens frames as they arrive and hands out the window's plaintext; an early end is DECRYPT_FAILED.
 * A frame that lies within one input chunk is opened in place; one spread over chunks is gathered in
 * one frame buffer, reused for every frame (opening consumes it at once). A frame's plaintext is
 * handed out only once its tag verified.
 */
export class FrameOpener extends Transform {
  readonly #opened: OpenedHeader;
  readonly #window: FrameWindow;
  readonly #sealedSize: number;
  /** A frame gathered from several chunks (allocated on first need). */
  #frame: Buffer | undefined;
  #frameBytes = 0;
  #index: number;
  #skip: number;
  #left: number;

  constructor(opened: OpenedHeader, window: FrameWindow) {
    super({ highWaterMark: 1024 * 1024 });
    this.#opened = opened;
    this.#window = window;
    this.#sealedSize = opened.header.frameSize + TAG_BYTES;
    this.#index = window.firstFrame;
    this.#skip = window.skip;
    this.#left = window.take;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      const sealed = this.#sealedSize;
      let offset = 0;
      // Non-last frames are full; the last frame is whatever remains at the end (shorter than a full one).
      while (offset < chunk.length) {
        this.#frame ??= Buffer.allocUnsafeSlow(sealed);
        if (this.#index >= this.#window.lastFrame) {
          // The last frame: kept until the end. A body longer than that fails now, not at its end
          // (the frame buffer never grows).
          const rest = chunk.length - offset;
          if (this.#frameBytes + rest >= sealed) throw decryptFailed('the body is longer than its frames');
          chunk.copy(this.#frame, this.#frameBytes, offset);
          this.#frameBytes += rest;
          break;
        }
        if (this.#frameBytes === 0 && chunk.length - offset >= sealed) {
          this.#open(chunk.subarray(offset, offset + sealed), false);
          offset += sealed;
          continue;
        }
        const take = Math.min(sealed - this.#frameBytes, chunk.length - offset);
        chunk.copy(this.#frame, this.#frameBytes, offset, offset + take);
        this.#frameBytes += take;
        offset += take;
        if (this.#frameBytes === sealed) {
          this.#frameBytes = 0;
          this.#open(this.#frame, false);
        }
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      const rest = this.#frameBytes === 0 ? Buffer.alloc(0) : this.#frame!.subarray(0, this.#frameBytes);
      this.#frameBytes = 0;
      if (this.#window.readsLast) {
        if (this.#index !== this.#window.lastFrame) throw decryptFailed('the body ended before its last frame');
        this.#open(rest, true);
      } else if (rest.length > 0) {
        throw decryptFailed('a partial frame at the end of the range');
      }
      if (this.#left > 0) throw decryptFailed('the body ended early');
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  #open(sealed: Buffer, last: boolean): void {
    const { header, keys } = this.#opened;
    const plain = openFrame(keys, header.messageId, this.#index, last, sealed);
    this.#index += 1;
    let out = plain;
    if (this.#skip > 0) {
      out = out.subarray(Math.min(this.#skip, out.length));
      this.#skip -= plain.length - out.length;
    }
    if (out.length > this.#left) out = out.subarray(0, this.#left);
    this.#left -= out.length;
    if (out.length > 0) this.push(out);
  }
}

/** The window of a full read of an object of `plainSize` bytes. */
export function fullWindow(plainSize: number, frameSize: number): FrameWindow {
  return { firstFrame: 0, lastFrame: Math.floor(plainSize / frameSize), skip: 0, take: plainSize, readsLast: true };
}

/**
 * The ciphertext byte range and frame window that serve plaintext bytes `start..end` (inclusive)
 * of an object of `plainSize` bytes. INVALID_ARGUMENT when `start` is past the end.
 */
export function frameRange(plainSize: number, frameSize: number, start: number, end: number | undefined): { cipherStart: number; cipherEnd: number; window: FrameWindow } {
  if (start >= plainSize) {
    throw new StorageError('INVALID_ARGUMENT', `range start ${start} is at or past the end of the object (${plainSize} bytes)`, { details: { field: 'range.start' } });
  }
  const last = Math.min(end ?? plainSize - 1, plainSize - 1);
  const firstFrame = Math.floor(start / frameSize);
  const lastFrameRead = Math.floor(last / frameSize);
  const lastFrame = Math.floor(plainSize / frameSize);
  const sealed = frameSize + TAG_BYTES;
  const cipherStart = firstFrame * sealed;
  // The object's last frame is shorter; its end is the object's end.
  const cipherEnd = lastFrameRead === lastFrame ? cipherSizeOf(plainSize, frameSize) - 1 : (lastFrameRead + 1) * sealed - 1;
  return { cipherStart, cipherEnd, window: { firstFrame, lastFrame, skip: start - firstFrame * frameSize, take: last - start + 1, readsLast: lastFrameRead === lastFrame } };
}
