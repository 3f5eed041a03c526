import { createHash } from 'node:crypto';
import { isStorageError } from '@sanctum/storage-core';
import { describe, expect, it } from 'vitest';
import { MAX_PARTS, PartWriter, type PartRecord, type PartWriterOptions } from '../../../src/multipart/part-writer.js';

// Pins what the part writer does at its edges: a body of exactly the hold limit, held parts leaving
// as soon as the body outgrows the limit (not at finish), bytes written after a flush, a flush or
// finish with nothing buffered, an empty body (one empty part, no part buffer allocated), part
// 10,000 (the last S3 accepts), and the failure a caller gets back.

interface Call {
  readonly partNumber: number;
  readonly bytes: string;
  /** Size of the memory behind the part's chunks (a part buffer is `partSize`). */
  readonly allocated: number[];
}

function writer(overrides: Partial<PartWriterOptions> = {}) {
  const calls: Call[] = [];
  const parts: PartRecord[] = [];
  const options: PartWriterOptions = {
    partSize: 4,
    parallelParts: 2,
    attempts: 1,
    firstPartNumber: 1,
    upload: async (partNumber, chunks) => {
      calls.push({ partNumber, bytes: Buffer.concat(chunks).toString(), allocated: chunks.map((chunk) => chunk.buffer.byteLength) });
      return `etag-${String(partNumber)}`;
    },
    isRetryable: () => false,
    onPart: (part) => parts.push(part),
    context: { operation: 'blobs.put', namespace: 'n' },
    ...overrides,
  };
  return { writer: new PartWriter(options), calls, parts };
}

describe('PartWriter holding a small body', () => {
  it('holds a body of exactly holdBytes (under one part) in a copy of its own size', async () => {
    const { writer: w } = writer({ partSize: 1024, holdBytes: 3 });
    await w.write(Buffer.from('abc'));
    const single = w.takeSingle();
    expect(Buffer.concat(single?.chunks ?? []).toString()).toBe('abc');
    expect(single?.chunks.map((chunk) => chunk.buffer.byteLength)).toEqual([3]);
  });

  it('sends the held parts as soon as a write takes the body past holdBytes, not at finish', async () => {
    const { writer: w, calls } = writer({ holdBytes: 6 });
    await w.write(Buffer.from('abcdef'));
    expect(calls).toEqual([]);
    await w.write(Buffer.from('g'));
    // The body can no longer be one PUT: the full part leaves while the last one is still filling.
    expect(calls.map((call) => [call.partNumber, call.bytes])).toEqual([[1, 'abcd']]);
    expect(w.takeSingle()).toBeUndefined();
    await w.finish();
    expect(calls.map((call) => [call.partNumber, call.bytes])).toEqual([
      [1, 'abcd'],
      [2, 'efg'],
    ]);
  });

  it('keeps the bytes written after a flush of a small body in the same part', async () => {
    const { writer: w, calls } = writer({ holdBytes: 8 });
    await w.write(Buffer.from('ab'));
    await w.flush();
    expect(calls).toEqual([]);
    await w.write(Buffer.from('c'));
    await w.finish();
    expect(calls.map((call) => [call.partNumber, call.bytes])).toEqual([[1, 'abc']]);
  });
});

describe('PartWriter with nothing buffered', () => {
  it('a flush with nothing buffered resolves, also twice in a row', async () => {
    const { writer: w, calls } = writer();
    await w.flush();
    await w.write(Buffer.from('abcd'));
    await w.flush();
    await w.flush();
    expect(calls.map((call) => call.bytes)).toEqual(['abcd']);
  });

  it('a body that ends on a part boundary after a flush gets no trailing empty part', async () => {
    const { writer: w, calls, parts } = writer();
    await w.write(Buffer.from('abcd'));
    await w.flush();
    await w.finish();
    expect(calls.map((call) => [call.partNumber, call.bytes])).toEqual([[1, 'abcd']]);
    expect(parts).toEqual([{ partNumber: 1, etag: 'etag-1', size: 4 }]);
  });

  it('an empty body is one empty part that allocates no part buffer, with or without a hold limit', async () => {
    const unheld = writer({ partSize: 1024 });
    await unheld.writer.write(Buffer.alloc(0));
    await unheld.writer.finish();
    expect(unheld.calls).toEqual([{ partNumber: 1, bytes: '', allocated: [0] }]);

    const held = writer({ partSize: 1024, holdBytes: 8 });
    await held.writer.finish();
    expect(held.calls).toEqual([{ partNumber: 1, bytes: '', allocated: [0] }]);
  });
});

describe('PartWriter limits and failures', () => {
  it('uploads part 10,000, the last number S3 accepts', async () => {
    const { writer: w, calls } = writer({ firstPartNumber: MAX_PARTS });
    await w.write(Buffer.from('abc'));
    await w.finish();
    expect(calls.map((call) => [call.partNumber, call.bytes])).toEqual([[MAX_PARTS, 'abc']]);
  });

  it('past part 10,000 fails with PAYLOAD_TOO_LARGE naming the limit and the part size to raise', async () => {
    const { writer: w, calls } = writer({ firstPartNumber: MAX_PARTS });
    const error: unknown = await w.write(Buffer.alloc(9)).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isStorageError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: 'the body needs more than 10000 parts of 4 bytes; raise partSize' });
    await expect(w.finish()).rejects.toBe(error);
    expect(calls.map((call) => call.partNumber)).toEqual([MAX_PARTS]);
  });

  it('later writes, flush and finish reject with the very error a part failed with', async () => {
    const denied = new Error('denied');
    const { writer: w } = writer({
      upload: async () => {
        throw denied;
      },
    });
    await w.write(Buffer.from('abcde'));
    await w.settle();
    await expect(w.write(Buffer.from('more'))).rejects.toBe(denied);
    await expect(w.flush()).rejects.toBe(denied);
    await expect(w.finish()).rejects.toBe(denied);
  });

  it('works without onPart, and has no SHA-256 to give without sha256', async () => {
    const { writer: w, calls } = writer({ onPart: undefined });
    await w.write(Buffer.from('abcdef'));
    await w.finish();
    expect(calls.map((call) => call.bytes)).toEqual(['abcd', 'ef']);
    expect(w.sha256Hex()).toBeUndefined();
    const hashed = writer({ sha256: createHash('sha256') }).writer;
    await hashed.write(Buffer.from('abcdef'));
    await hashed.finish();
    expect(hashed.sha256Hex()).toBe(createHash('sha256').update('abcdef').digest('hex'));
  });
});
