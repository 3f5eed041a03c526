import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/** Deterministic pseudo-random bytes (xorshift32), so a mismatch is reproducible without storing fixtures. */
export function generateBytes(size: number, seed: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  let state = seed >>> 0 || 0x9e3779b9;
  for (let index = 0; index < size; index += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

/** A byte stream of `bytes` in `chunkBytes` pieces that yields to the event loop between pieces. */
export function streamOf(bytes: Uint8Array, chunkBytes = 64 * 1024): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let offset = 0; offset < bytes.byteLength; offset += chunkBytes) {
      yield Buffer.from(bytes.subarray(offset, offset + chunkBytes));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** Reads a stream to its end. */
export async function readAll(body: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) {
    parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(parts);
}

/** Hex SHA-256. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Bytes of a UTF-8 string. */
export function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}
