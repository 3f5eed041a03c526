import { createHash, type Hash } from 'node:crypto';
import { Transform } from 'node:stream';
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
      if (actual === expected) return callback();
      callback(
        new StorageError('CHECKSUM_MISMATCH', 'blob content does not match its stored SHA-256: the stored object is corrupted', {
          operation: 'blobs.get',
          ...where,
          details: { expected, actual },
        }),
      );
    },
  });
}

/** The SHA-256 of a buffer, hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
