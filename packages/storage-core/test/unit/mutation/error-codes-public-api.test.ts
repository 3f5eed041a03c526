import { describe, expect, it } from 'vitest';
import { RETRYABLE_BY_DEFAULT, STORAGE_ERROR_CODES, StorageError, isStorageError, isStorageErrorCode } from '../../../src/index.js';

// The code union and each code's default retryability are public API (docs/errors.md): callers branch
// on these strings and the retry layer trusts the flags. Pin each one, so a renamed code or a flipped
// flag fails here rather than in a caller's catch block.
const RETRYABLE = ['CONSISTENCY', 'TIMEOUT', 'UNAVAILABLE', 'BACKPRESSURE'];
const NOT_RETRYABLE = [
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PRECONDITION_FAILED',
  'CHECKSUM_MISMATCH',
  'CACHE_MISS',
  'ACCESS_DENIED',
  'INVALID_ARGUMENT',
  'CONFIG_INVALID',
  'UNSUPPORTED',
  'CIRCUIT_OPEN',
  'PAYLOAD_TOO_LARGE',
  'DECRYPT_FAILED',
  'KEY_NOT_FOUND',
  'INTERNAL',
  'INTEGRITY_VIOLATION',
  'RETENTION_LOCKED',
];

describe('error codes are public API', () => {
  it('lists exactly the documented codes, in order', () => {
    expect([...STORAGE_ERROR_CODES]).toEqual([
      'NOT_FOUND',
      'ALREADY_EXISTS',
      'PRECONDITION_FAILED',
      'CONSISTENCY',
      'CHECKSUM_MISMATCH',
      'CACHE_MISS',
      'ACCESS_DENIED',
      'INVALID_ARGUMENT',
      'CONFIG_INVALID',
      'UNSUPPORTED',
      'TIMEOUT',
      'UNAVAILABLE',
      'CIRCUIT_OPEN',
      'BACKPRESSURE',
      'PAYLOAD_TOO_LARGE',
      'DECRYPT_FAILED',
      'KEY_NOT_FOUND',
      'INTERNAL',
      'INTEGRITY_VIOLATION',
      'RETENTION_LOCKED',
    ]);
  });

  it.each(RETRYABLE)('%s is retryable unless the thrower says otherwise', (code) => {
    expect(RETRYABLE_BY_DEFAULT[code as keyof typeof RETRYABLE_BY_DEFAULT]).toBe(true);
    expect(new StorageError(code as never, 'x').retryable).toBe(true);
  });

  it.each(NOT_RETRYABLE)('%s is not retryable unless the thrower says otherwise', (code) => {
    expect(RETRYABLE_BY_DEFAULT[code as keyof typeof RETRYABLE_BY_DEFAULT]).toBe(false);
    expect(new StorageError(code as never, 'x').retryable).toBe(false);
  });

  it('the two lists above cover every code once', () => {
    expect([...RETRYABLE, ...NOT_RETRYABLE].sort()).toEqual([...STORAGE_ERROR_CODES].sort());
    expect(Object.keys(RETRYABLE_BY_DEFAULT).sort()).toEqual([...STORAGE_ERROR_CODES].sort());
  });

  it.each([...STORAGE_ERROR_CODES])('%s is recognised as a code and as the code of an error', (code) => {
    expect(isStorageErrorCode(code)).toBe(true);
    expect(isStorageError(new StorageError(code, 'x'), code)).toBe(true);
  });

  it('refuses strings that are not codes, whatever their shape', () => {
    for (const value of ['', 'not_found', 'NOT_FOUND ', 'UNKNOWN', 'constructor', 'toString']) expect(isStorageErrorCode(value)).toBe(false);
  });
});

describe('StorageError.withContext', () => {
  it('copies when only the operation is missing, and keeps code, message, retryability, cause and details', () => {
    const cause = new Error('driver');
    const original = new StorageError('TIMEOUT', 'slow', { retryable: false, namespace: 'n', adapter: 'a', cause, details: { ms: 5 } });
    const filled = original.withContext({ operation: 'records.get', namespace: 'other', adapter: 'other' });
    expect(filled).not.toBe(original);
    expect(filled).toBeInstanceOf(StorageError);
    expect(filled.code).toBe('TIMEOUT');
    expect(filled.message).toBe('slow');
    expect(filled.retryable).toBe(false);
    expect(filled.cause).toBe(cause);
    expect(filled.details).toEqual({ ms: 5 });
    expect([filled.operation, filled.namespace, filled.adapter]).toEqual(['records.get', 'n', 'a']);
  });

  it('copies when only the namespace is missing', () => {
    const original = new StorageError('NOT_FOUND', 'x', { operation: 'o', adapter: 'a' });
    const filled = original.withContext({ namespace: 'users' });
    expect(filled).not.toBe(original);
    expect([filled.operation, filled.namespace, filled.adapter]).toEqual(['o', 'users', 'a']);
  });

  it('copies when only the adapter is missing', () => {
    const original = new StorageError('NOT_FOUND', 'x', { operation: 'o', namespace: 'n' });
    const filled = original.withContext({ adapter: 'postgres' });
    expect(filled).not.toBe(original);
    expect([filled.operation, filled.namespace, filled.adapter]).toEqual(['o', 'n', 'postgres']);
  });

  it('returns the same error when the context adds nothing it lacks', () => {
    const partial = new StorageError('NOT_FOUND', 'x', { namespace: 'n' });
    expect(partial.withContext({ namespace: 'other' })).toBe(partial);
    expect(partial.withContext({})).toBe(partial);
  });

  it('a copy of an error that lost its stack keeps its own stack rather than none', () => {
    const noStack = new StorageError('INTERNAL', 'x');
    Object.defineProperty(noStack, 'stack', { value: undefined });
    const filled = noStack.withContext({ operation: 'o' });
    expect(typeof filled.stack).toBe('string');
    expect(filled.stack).toContain('StorageError');
  });

  it('an error without a cause has no cause property', () => {
    expect(Object.hasOwn(new StorageError('INTERNAL', 'x'), 'cause')).toBe(false);
    expect(Object.hasOwn(new StorageError('INTERNAL', 'x', { cause: 0 }), 'cause')).toBe(true);
  });

  it('is branded so other copies of core recognise it, and the brand is not enumerable', () => {
    const error = new StorageError('INTERNAL', 'x');
    expect((error as unknown as Record<symbol, unknown>)[Symbol.for('@sanctum/storage.StorageError')]).toBe(true);
    expect(Object.getOwnPropertyDescriptor(error, Symbol.for('@sanctum/storage.StorageError'))?.enumerable).toBe(false);
  });
});
