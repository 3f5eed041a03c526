import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { StorageError } from '../../errors/index.js';

/** Metadata key holding the hex SHA-256 of a blob's plaintext. */
export const CHECKSUM_METADATA_KEY = 'sanctum-sha256';

/**
 * Buffer sizes of the integrity streams: with Node's 16 KiB default every 64 KiB socket or file
 * chunk would stop and restart the pipe once per chunk.
 */
const STREAM_BUFFER_BYTES = 1024 * 1024;

/** A pass-through that hashes what flows through it; `digest()` is valid once the stream ended. */
export class HashingStream extends Transform {
  constructor() {
    super({ highWaterMark: STREAM_BUFFER_BYTES });
  }

  readonly #hash: Hash = createHash('sha256');
  #digest: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: Buffer) => void): void {
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: (error?: Error | null) => void): void {
    this.#digest = this.#hash.digest('hex');
    callback();
  }

  /** The hex digest; throws if called before the whole body went through. */
  digest(): string {
    if (this.#digest === undefined) throw new Error('checksum requested before the body was fully read');
    return this.#digest;
  }
}

/**
 * A pass-through that fails with CHECKSUM_MISMATCH at the end when the bytes do not hash to
 * `expected`. Consumers see every byte before the verdict, so they must not act on a body whose
 * stream errored.
 */
export function verifyingStream(expected: string, where: { namespace: string; adapter: string }): Transform {
  const hash = createHash('sha256');
  return new Transform({
    highWaterMark: STREAM_BUFFER_BYTES,
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      const actual = hash.digest('hex');
      callback(actual === expected ? null : mismatch(expected, actual, where));
    },
  });
}

/**
 * Verifies `body` where its bytes enter it, without a stream stage behind it: every chunk the
 * stream pushes is hashed on the way in, and its end (`push(null)`) is replaced by a
 * CHECKSUM_MISMATCH error when the digest is not `expected`. A pass-through Transform costs a
 * write, a transform callback and a read per chunk on the read path (ADR-009); this costs the hash.
 * Returns undefined when bytes were already pushed before it could hook in (they would not be
 * hashed): the caller then pipes through {@link verifyingStream}.
 */
export function verifyAtSource(body: Readable, expected: string, where: { namespace: string; adapter: string }): Readable | undefined {
  if (body.readableObjectMode || body.readableLength > 0 || body.readableEnded || body.destroyed) return undefined;
  const hash = createHash('sha256');
  const push = body.push.bind(body);
  let ended = false;
  body.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (ended) return push(chunk, encoding);
    if (chunk === null) {
      ended = true;
      const actual = hash.digest('hex');
      if (actual === expected) return push(null);
      body.destroy(mismatch(expected, actual, where));
      return false;
    }
    hash.update(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : (chunk as Uint8Array));
    return push(chunk, encoding);
  };
  return body;
}

function mismatch(expected: string, actual: string, where: { namespace: string; adapter: string }): StorageError {
  return new StorageError('CHECKSUM_MISMATCH', 'blob content does not match its stored SHA-256: the stored object is corrupted', {
    operation: 'blobs.get',
    ...where,
    details: { expected, actual },
  });
}

/** The SHA-256 of a buffer, hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
