import { describe, expect, it } from 'vitest';
import { RETRYABLE_BY_DEFAULT, STORAGE_ERROR_CODES, StorageError, isStorageError, isStorageErrorCode } from '../../src/index.js';

describe('StorageError', () => {
  it('carries code, default retryability and context', () => {
    const cause = new Error('socket hang up');
    const error = new StorageError('UNAVAILABLE', 'postgres is down', { operation: 'records.get', namespace: 'users', adapter: 'postgres', cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('StorageError');
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(error.operation).toBe('records.get');
    expect(error.namespace).toBe('users');
    expect(error.adapter).toBe('postgres');
    expect(error.cause).toBe(cause);
    expect(error.details).toBeUndefined();
  });

  it('lets the caller override retryability', () => {
    expect(new StorageError('TIMEOUT', 'x', { retryable: false }).retryable).toBe(false);
    expect(new StorageError('PRECONDITION_FAILED', 'x').retryable).toBe(false);
  });

  it('has a default retryability for every code', () => {
    for (const code of STORAGE_ERROR_CODES) expect(typeof RETRYABLE_BY_DEFAULT[code]).toBe('boolean');
    expect(STORAGE_ERROR_CODES).toHaveLength(20);
  });

  it('serializes without cause or stack', () => {
    const error = new StorageError('CONFIG_INVALID', 'bad', { details: { issues: [{ path: 'a', message: 'b' }] }, cause: new Error('secret') });
    const json = error.toJSON();
    expect(json).toEqual({
      name: 'StorageError',
      code: 'CONFIG_INVALID',
      message: 'bad',
      retryable: false,
      operation: undefined,
      namespace: undefined,
      adapter: undefined,
      details: { issues: [{ path: 'a', message: 'b' }] },
    });
    expect(JSON.stringify(error)).not.toContain('secret');
  });

  it('fills missing context without losing what is there', () => {
    const original = new StorageError('NOT_FOUND', 'gone', { namespace: 'a', details: { k: 1 } });
    const filled = original.withContext({ operation: 'records.get', namespace: 'b', adapter: 'memory' });
    expect(filled).not.toBe(original);
    expect(filled.namespace).toBe('a');
    expect(filled.operation).toBe('records.get');
    expect(filled.adapter).toBe('memory');
    expect(filled.details).toEqual({ k: 1 });
    expect(filled.stack).toBe(original.stack);
    expect(filled.withContext({ operation: 'x', namespace: 'y', adapter: 'z' })).toBe(filled);
    const bare = new StorageError('INTERNAL', 'x', { operation: 'o', namespace: 'n', adapter: 'a' });
    expect(bare.withContext({})).toBe(bare);
    const noStack = new StorageError('INTERNAL', 'x');
    Object.defineProperty(noStack, 'stack', { value: undefined });
    expect(noStack.withContext({ operation: 'o' }).operation).toBe('o');
  });
});

describe('isStorageError', () => {
  it('recognises errors and codes', () => {
    const error = new StorageError('NOT_FOUND', 'x');
    expect(isStorageError(error)).toBe(true);
    expect(isStorageError(error, 'NOT_FOUND')).toBe(true);
    expect(isStorageError(error, 'TIMEOUT')).toBe(false);
  });

  it('rejects look-alikes and non-objects', () => {
    expect(isStorageError(new Error('x'))).toBe(false);
    expect(isStorageError({ code: 'NOT_FOUND', name: 'StorageError' })).toBe(false);
    expect(isStorageError(null)).toBe(false);
    expect(isStorageError('NOT_FOUND')).toBe(false);
    expect(isStorageError(undefined)).toBe(false);
  });

  it('works across duplicated copies of core (brand by Symbol.for, not instanceof)', () => {
    // What a second copy of core would construct: its own class, the same global symbol.
    class OtherCopyError extends Error {
      readonly code = 'PRECONDITION_FAILED';
      constructor() {
        super('stale');
        Object.defineProperty(this, Symbol.for('@sanctum/storage.StorageError'), { value: true });
      }
    }
    const foreign = new OtherCopyError();
    expect(foreign instanceof StorageError).toBe(false);
    expect(isStorageError(foreign)).toBe(true);
    expect(isStorageError(foreign, 'PRECONDITION_FAILED')).toBe(true);
  });

  it('rejects a branded object with an unknown code', () => {
    const fake = { code: 'NOPE' };
    Object.defineProperty(fake, Symbol.for('@sanctum/storage.StorageError'), { value: true });
    expect(isStorageError(fake)).toBe(false);
  });

  it('knows the codes', () => {
    expect(isStorageErrorCode('CACHE_MISS')).toBe(true);
    expect(isStorageErrorCode('cache_miss')).toBe(false);
    expect(isStorageErrorCode(7)).toBe(false);
  });
});
