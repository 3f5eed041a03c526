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
  sealFrame,
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

/** Seals a byte stream into frames as it flows; memory stays at about one frame plus one input chunk. */
export class FrameSealer extends Transform {
  readonly #seal: FramedSeal;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #index = 0;
  #plainBytes = 0;

  constructor(seal: FramedSeal) {
    super({ highWaterMark: 1024 * 1024 });
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
      if (this.#pendingBytes > 0) {
        const need = size - this.#pendingBytes;
        if (chunk.length < need) {
          this.#pending.push(chunk);
          this.#pendingBytes += chunk.length;
          return callback();
        }
        this.#pending.push(chunk.subarray(0, need));
        this.#emit(Buffer.concat(this.#pending, size));
        this.#pending = [];
        this.#pendingBytes = 0;
        offset = need;
      }
      // A frame is sealed only when more bytes follow it, so the last frame can be marked as last.
      while (chunk.length - offset > size) {
        this.#emit(chunk.subarray(offset, offset + size));
        offset += size;
      }
      if (offset < chunk.length) {
        this.#pending.push(chunk.subarray(offset));
        this.#pendingBytes = chunk.length - offset;
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      const size = this.#seal.frameSize;
      const rest = this.#pendingBytes === 0 ? Buffer.alloc(0) : Buffer.concat(this.#pending, this.#pendingBytes);
      // A pending block of exactly one frame is a full frame followed by an empty last frame.
      if (rest.length === size) {
        this.#emit(rest);
        this.push(sealFrame(this.#seal.keys, this.#seal.messageId, this.#index++, true, Buffer.alloc(0)));
      } else {
        this.push(sealFrame(this.#seal.keys, this.#seal.messageId, this.#index++, true, rest));
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  #emit(plain: Buffer): void {
    this.push(sealFrame(this.#seal.keys, this.#seal.messageId, this.#index++, false, plain));
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

/** Opens frames as they arrive and hands out the window's plaintext; an early end is DECRYPT_FAILED. */
export class FrameOpener extends Transform {
  readonly #opened: OpenedHeader;
  readonly #window: FrameWindow;
  readonly #sealedSize: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
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
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#pendingBytes < this.#sealedSize) return callback();
      let buffer = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
      let offset = 0;
      // Non-last frames are full; the last frame is whatever remains at the end.
      while (buffer.length - offset >= this.#sealedSize && this.#index < this.#window.lastFrame) {
        this.#open(buffer.subarray(offset, offset + this.#sealedSize), false);
        offset += this.#sealedSize;
      }
      buffer = buffer.subarray(offset);
      this.#pending = buffer.length === 0 ? [] : [buffer];
      this.#pendingBytes = buffer.length;
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      const rest = this.#pendingBytes === 0 ? Buffer.alloc(0) : Buffer.concat(this.#pending, this.#pendingBytes);
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
