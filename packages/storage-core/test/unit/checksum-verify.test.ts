import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isStorageError } from '../../src/index.js';
import { verifyAtSource } from '../../src/layers/integrity/checksum.js';

const where = { namespace: 'media', adapter: 'test' };
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** An adapter-like body: bytes arrive later, pushed in pieces. */
function body(pieces: readonly string[]): PassThrough {
  const stream = new PassThrough();
  setImmediate(() => {
    for (const piece of pieces) stream.write(piece);
    stream.end();
  });
  return stream;
}

async function read(stream: AsyncIterable<unknown>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

describe('verifyAtSource', () => {
  it('hands every byte through the same stream and ends normally when the digest matches', async () => {
    const source = body(['hello ', 'wor', 'ld']);
    const verified = verifyAtSource(source, sha('hello world'), where);
    expect(verified).toBe(source);
    expect(await read(verified!)).toBe('hello world');
  });

  it('ends with CHECKSUM_MISMATCH instead of a normal end when the bytes differ', async () => {
    const verified = verifyAtSource(body(['hello ', 'there']), sha('hello world'), where)!;
    const error = await read(verified).catch((caught: unknown) => caught);
    expect(isStorageError(error, 'CHECKSUM_MISMATCH')).toBe(true);
    expect((error as { details: Record<string, string> }).details).toEqual({ expected: sha('hello world'), actual: sha('hello there') });
    expect((error as { namespace?: string }).namespace).toBe('media');
  });

  it('fails a body that is cut short as well (its digest differs)', async () => {
    const verified = verifyAtSource(body(['hello ']), sha('hello world'), where)!;
    expect(isStorageError(await read(verified).catch((caught: unknown) => caught), 'CHECKSUM_MISMATCH')).toBe(true);
  });

  it('declines a stream that already holds bytes it could not hash (the caller pipes through a verifier)', () => {
    const stream = new PassThrough();
    stream.write('early');
    expect(verifyAtSource(stream, sha('early'), where)).toBeUndefined();
    stream.destroy();
  });
});
