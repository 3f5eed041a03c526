import { createHash } from 'node:crypto';
import { isStorageError } from '@sanctum/storage-core';
import { describe, expect, it } from 'vitest';
import { UPLOAD_STATE_FORMAT, assertUploadState, hashUploadedPrefix, type ResumableUploadState } from '../../../src/multipart/resumable.js';

// Pins what resumeUpload checks before it talks to the server: each rule of a persisted state's
// shape, refused with INVALID_ARGUMENT naming the problem, and the re-read prefix of the body, hashed
// and checked part by part against the recorded ETags (each part's MD5).

const context = { operation: 'blobs.resumeUpload', namespace: 'media' };
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function state(overrides: Partial<Record<keyof ResumableUploadState, unknown>> = {}): Record<string, unknown> {
  return {
    format: UPLOAD_STATE_FORMAT,
    namespace: 'media',
    key: 'movie.bin',
    bucket: 'b',
    uploadKey: 'r/.sanctum-staging/u',
    uploadId: 'id',
    partSize: 4,
    parts: [
      { partNumber: 1, etag: md5('abcd'), size: 4 },
      { partNumber: 2, etag: md5('efgh'), size: 4 },
    ],
    bytes: 8,
    metadata: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** The message `value` is refused with (INVALID_ARGUMENT), or 'accepted'. */
function refusal(value: unknown): string {
  try {
    assertUploadState(value, context);
    return 'accepted';
  } catch (error) {
    if (!isStorageError(error)) throw error;
    expect(error.code).toBe('INVALID_ARGUMENT');
    return error.message;
  }
}

async function* chunks(...texts: string[]): AsyncGenerator<Buffer> {
  for (const text of texts) yield Buffer.from(text);
}

/** The StorageError `promise` rejects with. */
async function rejection(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isStorageError(error)) throw new Error(`expected a StorageError, got ${String(error)}`);
  return error;
}

describe('assertUploadState', () => {
  it('accepts a well-formed state, with parts or without', () => {
    expect(refusal(state())).toBe('accepted');
    expect(refusal(state({ parts: [], bytes: 0 }))).toBe('accepted');
    expect(refusal(state({ parts: [{ partNumber: 1, etag: 'e', size: 5 }], bytes: 5, metadata: { owner: 'ada' } }))).toBe('accepted');
  });

  it('refuses what is not an object', () => {
    for (const value of [null, undefined, 'state', 42]) expect(refusal(value)).toBe('not a resumable upload state: expected an object');
  });

  it('refuses another format, naming the one it reads', () => {
    expect(refusal(state({ format: 'sanctum-s3-upload/2' }))).toBe('not a resumable upload state: format must be "sanctum-s3-upload/1"');
  });

  it('refuses each string field that is missing, empty or not a string, naming it', () => {
    for (const name of ['namespace', 'key', 'bucket', 'uploadKey', 'uploadId', 'createdAt'] as const) {
      const message = `not a resumable upload state: ${name} must be a non-empty string`;
      expect(refusal(state({ [name]: undefined }))).toBe(message);
      expect(refusal(state({ [name]: '' }))).toBe(message);
      expect(refusal(state({ [name]: 7 }))).toBe(message);
    }
  });

  it('refuses a partSize or bytes that is not an integer', () => {
    const message = 'not a resumable upload state: partSize and bytes must be integers';
    expect(refusal(state({ partSize: 4.5 }))).toBe(message);
    expect(refusal(state({ partSize: '4' }))).toBe(message);
    expect(refusal(state({ bytes: 8.5 }))).toBe(message);
  });

  it('refuses parts that are not a list of contiguous records from part 1', () => {
    const message = 'not a resumable upload state: parts must be contiguous from 1 with partNumber, etag and size';
    const part = { partNumber: 1, etag: 'e', size: 4 };
    expect(refusal(state({ parts: undefined }))).toBe(message);
    expect(refusal(state({ parts: { 0: part, length: 1 } }))).toBe(message);
    expect(refusal(state({ parts: [null], bytes: 0 }))).toBe(message);
    expect(refusal(state({ parts: ['part'], bytes: 0 }))).toBe(message);
    // Not a record, though it has the fields.
    expect(refusal(state({ parts: [Object.assign(() => undefined, part)], bytes: 4 }))).toBe(message);
    expect(refusal(state({ parts: [{ ...part, partNumber: 0 }], bytes: 4 }))).toBe(message);
    expect(refusal(state({ parts: [{ ...part, partNumber: 2 }], bytes: 4 }))).toBe(message);
    expect(refusal(state({ parts: [part, { ...part, partNumber: 3 }] }))).toBe(message);
    expect(refusal(state({ parts: [{ ...part, etag: 5 }], bytes: 4 }))).toBe(message);
    expect(refusal(state({ parts: [{ ...part, size: 4.5 }], bytes: 4 }))).toBe(message);
    expect(refusal(state({ parts: [{ ...part, size: undefined }], bytes: 4 }))).toBe(message);
  });

  it('refuses bytes that are not the sum of the part sizes', () => {
    const message = 'not a resumable upload state: bytes must equal the sum of the part sizes';
    expect(refusal(state({ bytes: 7 }))).toBe(message);
    expect(refusal(state({ bytes: 0 }))).toBe(message);
    expect(refusal(state({ parts: [], bytes: 4 }))).toBe(message);
  });

  it('refuses metadata that is not an object', () => {
    const message = 'not a resumable upload state: metadata must be an object';
    expect(refusal(state({ metadata: null }))).toBe(message);
    expect(refusal(state({ metadata: 'owner=ada' }))).toBe(message);
    expect(refusal(state({ metadata: undefined }))).toBe(message);
  });
});

describe('hashUploadedPrefix', () => {
  const uploaded = state() as unknown as ResumableUploadState;

  it('hashes exactly the uploaded prefix, however the source is chunked', async () => {
    for (const source of [chunks('abcdefgh'), chunks('ab', 'cdefg', 'h'), chunks('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), chunks('abcdefghij')]) {
      const hash = await hashUploadedPrefix(uploaded, source, context);
      expect(hash?.digest('hex')).toBe(sha256('abcdefgh'));
    }
  });

  it('stops reading the source at the end of the prefix', async () => {
    const read: string[] = [];
    async function* source() {
      for (const text of ['abcd', 'efgh', 'ijkl', 'mnop']) {
        read.push(text);
        yield Buffer.from(text);
      }
    }
    await hashUploadedPrefix(uploaded, source(), context);
    expect(read).toEqual(['abcd', 'efgh']);
  });

  it('reads nothing when no part was uploaded', async () => {
    let read = false;
    async function* source() {
      read = true;
      yield Buffer.from('abcd');
    }
    const hash = await hashUploadedPrefix(state({ parts: [], bytes: 0 }) as unknown as ResumableUploadState, source(), context);
    expect(hash?.digest('hex')).toBe(sha256(''));
    expect(read).toBe(false);
  });

  it('gives no hash when an ETag is not a plain MD5 (the assembled upload is read back instead)', async () => {
    const good = md5('abcd');
    for (const etag of [`${good}-1`, `x${good}`, good.toUpperCase(), good.slice(1), `${good}0`, 'not-an-md5']) {
      const parts = [
        { partNumber: 1, etag: good, size: 4 },
        { partNumber: 2, etag, size: 4 },
      ];
      expect(await hashUploadedPrefix(state({ parts }) as unknown as ResumableUploadState, chunks('abcdefgh'), context)).toBeUndefined();
    }
  });

  it('refuses a source whose bytes differ from a part, naming the part', async () => {
    for (const [source, partNumber] of [
      [chunks('abcdefgX'), 2],
      [chunks('Xbcd', 'efgh'), 1],
    ] as const) {
      const error = await rejection(hashUploadedPrefix(uploaded, source, context));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toBe(
        `prefix: part ${String(partNumber)} of the upload differs from these bytes (its MD5 does not match the part's ETag); the source changed since it was uploaded: start the upload over`,
      );
      expect(error.details).toEqual({ field: 'prefix', partNumber });
    }
  });

  it('refuses a source that ends before the uploaded bytes', async () => {
    for (const source of [chunks('abcdefg'), chunks('abcd'), chunks()]) {
      const error = await rejection(hashUploadedPrefix(uploaded, source, context));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toBe('prefix: the source ended before the 8 bytes already uploaded; give the body from its first byte');
      expect(error.details).toEqual({ field: 'prefix', bytes: 8 });
    }
  });

  it('stops with the abort error once the signal fired', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(hashUploadedPrefix(uploaded, chunks('abcdefgh'), { ...context, signal: controller.signal }));
    expect(error.code).toBe('UNAVAILABLE');
  });
});
