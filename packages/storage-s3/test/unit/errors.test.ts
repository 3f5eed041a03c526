import { StorageError, isStorageError } from '@sanctum/storage-core';
import { describe, expect, it } from 'vitest';
import { ERROR_TABLE, S3ResponseError, abortedError, codeForStatus, s3Error, throwIfAborted, toStorageError } from '../../src/errors.js';

const where = { operation: 'blobs.get', namespace: 'media' };

describe('error mapping', () => {
  it.each([
    ['NoSuchKey', 404, 'NOT_FOUND', false],
    ['NoSuchBucket', 404, 'CONFIG_INVALID', false],
    ['AccessDenied', 403, 'ACCESS_DENIED', false],
    ['SignatureDoesNotMatch', 403, 'ACCESS_DENIED', false],
    ['PreconditionFailed', 412, 'PRECONDITION_FAILED', false],
    ['BadDigest', 400, 'CHECKSUM_MISMATCH', true],
    ['SlowDown', 503, 'UNAVAILABLE', true],
    ['InternalError', 500, 'UNAVAILABLE', true],
    ['ServiceUnavailable', 503, 'UNAVAILABLE', true],
    ['UnknownError', 500, 'INTERNAL', false],
    ['SomethingNew', 500, 'INTERNAL', false],
    ['SomethingNew', 503, 'UNAVAILABLE', true],
    ['RequestTimeout', 400, 'TIMEOUT', true],
    ['InvalidRange', 416, 'INVALID_ARGUMENT', false],
    ['EntityTooLarge', 400, 'PAYLOAD_TOO_LARGE', false],
    ['NotImplemented', 501, 'UNSUPPORTED', false],
  ])('S3 %s (%i) → %s, retryable %s', (s3Code, status, code, retryable) => {
    const error = toStorageError(new S3ResponseError(status, s3Code, 'server text', 'req-1'), where);
    expect(error).toMatchObject({ code, retryable, operation: 'blobs.get', namespace: 'media', adapter: 's3' });
    expect(error.details).toEqual({ s3Code, status, requestId: 'req-1' });
    expect(error.message).toContain(s3Code);
    expect(error.message).not.toContain('server text');
  });

  it.each([
    [500, 'UNAVAILABLE', true],
    [502, 'UNAVAILABLE', true],
    [503, 'UNAVAILABLE', true],
    [504, 'UNAVAILABLE', true],
    [408, 'TIMEOUT', true],
    [429, 'UNAVAILABLE', true],
  ])('a %i that names no S3 code (a gateway answered) → %s, retryable %s', (status, code, retryable) => {
    const bare = toStorageError({ status }, where);
    expect(bare).toMatchObject({ code, retryable, details: { status } });
  });

  it.each([
    ['ECONNREFUSED', 'UNAVAILABLE', true],
    ['ECONNRESET', 'UNAVAILABLE', true],
    ['ENOTFOUND', 'CONFIG_INVALID', false],
    ['ETIMEDOUT', 'TIMEOUT', true],
  ])('socket %s → %s (retryable %s), by the shared SPI rule', (code, expected, retryable) => {
    const error = toStorageError(Object.assign(new Error('socket'), { code }), where);
    expect(error).toMatchObject({ code: expected, retryable, details: { s3Code: code } });
  });

  it('reads the code of a wrapped cause, and the request id of a response error', () => {
    const wrapped = Object.assign(new Error('outer'), { cause: { code: 'ECONNRESET' } });
    expect(toStorageError(wrapped, where).code).toBe('UNAVAILABLE');
    expect(toStorageError(new S3ResponseError(404, 'NoSuchUpload', 'gone', 'r'), where)).toMatchObject({ code: 'NOT_FOUND', details: { requestId: 'r', status: 404 } });
    // An error class named like a table entry is not an S3 code.
    class NoSuchKey extends Error {
      override name = 'NoSuchKey';
    }
    expect(toStorageError(new NoSuchKey('x'), where).code).toBe('INTERNAL');
  });

  it("RGW's UnknownError is permanent for the request; a 500 naming an unknown code is not retried either", () => {
    expect(toStorageError(new S3ResponseError(500, 'UnknownError', '', undefined), where).message).toMatch(/the same request fails again/);
    expect(toStorageError(new S3ResponseError(500, 'SomethingNew', '', undefined), where).message).toMatch(/not know to be transient/);
  });

  it('falls back on the status, then INTERNAL', () => {
    expect(toStorageError({ code: 'WeirdNewCode', status: 503 }, where)).toMatchObject({ code: 'UNAVAILABLE', retryable: true, details: { s3Code: 'WeirdNewCode' } });
    expect(toStorageError({ status: 418 }, where).code).toBe('INVALID_ARGUMENT');
    expect(toStorageError(new TypeError('bug'), where)).toMatchObject({ code: 'INTERNAL', retryable: false });
    expect(toStorageError('a string', where).code).toBe('INTERNAL');
    expect(toStorageError(null, where).code).toBe('INTERNAL');
    expect(codeForStatus(404)).toBe('NotFound');
    expect(codeForStatus(502)).toBe('InternalError');
    expect(codeForStatus(409)).toBe('BadRequest');
  });

  it('passes StorageErrors through with the context filled in', () => {
    const original = new StorageError('PAYLOAD_TOO_LARGE', 'too big');
    const passed = toStorageError(original, where);
    expect(passed).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', operation: 'blobs.get', adapter: 's3' });
  });

  it('reports an aborted operation from its signal: TIMEOUT for timeouts, else UNAVAILABLE', () => {
    const timedOut = AbortSignal.abort(new DOMException('late', 'TimeoutError'));
    expect(toStorageError(new Error('AbortError'), { ...where, signal: timedOut })).toMatchObject({ code: 'TIMEOUT', retryable: true });
    const cancelled = AbortSignal.abort();
    expect(abortedError(cancelled, where)).toMatchObject({ code: 'UNAVAILABLE', message: 'blobs.get was aborted' });
    const withReason = AbortSignal.abort(new StorageError('BACKPRESSURE', 'full'));
    expect(abortedError(withReason, where)).toMatchObject({ code: 'BACKPRESSURE', operation: 'blobs.get' });
    expect(() => throwIfAborted({ ...where, signal: cancelled })).toThrow('was aborted');
    expect(() => throwIfAborted(where)).not.toThrow();
  });

  it('every table entry is a known StorageError code', () => {
    for (const [name, rule] of Object.entries(ERROR_TABLE)) {
      const error = s3Error(rule.code, name, where);
      expect(isStorageError(error, rule.code)).toBe(true);
    }
  });
});
