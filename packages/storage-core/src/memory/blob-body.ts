import type { Readable } from 'node:stream';
import { isStorageError } from '../errors/index.js';
import { memoryError, throwIfAborted } from './errors.js';

/** Limits and context for reading a put's body. */
export interface BodyLimits {
  readonly namespace: string;
  readonly maxObjectBytes?: number | undefined;
  readonly contentLength?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

const OPERATION = 'blobs.put';

/**
 * Reads a put's body to its end (streams chunk by chunk, so an oversized body fails as soon as it
 * crosses the limit). A declared `contentLength` that does not match the bytes is INVALID_ARGUMENT.
 */
export async function readBody(body: Readable | Uint8Array, limits: BodyLimits): Promise<Buffer> {
  const { namespace, maxObjectBytes } = limits;
  const tooLarge = (size: number) =>
    memoryError('PAYLOAD_TOO_LARGE', `object exceeds ${String(maxObjectBytes)} bytes`, OPERATION, namespace, { details: { size } });
  let bytes: Buffer;
  if (body instanceof Uint8Array) {
    if (maxObjectBytes !== undefined && body.byteLength > maxObjectBytes) throw tooLarge(body.byteLength);
    bytes = Buffer.from(body);
  } else {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
        throwIfAborted(limits.signal, OPERATION, namespace);
        const part = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
        size += part.byteLength;
        if (maxObjectBytes !== undefined && size > maxObjectBytes) throw tooLarge(size);
        chunks.push(part);
      }
    } catch (error) {
      body.destroy();
      if (isStorageError(error)) throw error;
      throw memoryError('INVALID_ARGUMENT', 'the body stream failed', OPERATION, namespace, { cause: error });
    }
    bytes = Buffer.concat(chunks, size);
  }
  if (limits.contentLength !== undefined && limits.contentLength !== bytes.byteLength) {
    throw memoryError('INVALID_ARGUMENT', 'contentLength does not match the body', OPERATION, namespace, {
      details: { contentLength: limits.contentLength, received: bytes.byteLength },
    });
  }
  return bytes;
}
