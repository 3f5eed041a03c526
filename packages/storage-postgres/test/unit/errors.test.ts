import { describe, expect, it } from 'vitest';
import { StorageError } from '@sanctum/storage-core';
import { ERROR_MAPPINGS, adapterError, mappingOf, toStorageError } from '../../src/errors.js';

const raw = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`server says ${code}`), { code, ...extra });

describe('the error mapping table', () => {
  it.each([
    ['23505', 'ALREADY_EXISTS', false],
    ['40001', 'CONSISTENCY', true],
    ['40P01', 'CONSISTENCY', true],
    ['57014', 'TIMEOUT', true],
    ['53300', 'UNAVAILABLE', true],
    ['28P01', 'ACCESS_DENIED', false],
    ['28000', 'ACCESS_DENIED', false],
    ['42501', 'ACCESS_DENIED', false],
    ['3D000', 'CONFIG_INVALID', false],
    ['42P01', 'UNAVAILABLE', false],
    ['3F000', 'UNAVAILABLE', false],
    ['42883', 'UNAVAILABLE', false],
    ['25P02', 'INVALID_ARGUMENT', false],
    ['54000', 'PAYLOAD_TOO_LARGE', false],
    ['SN409', 'ALREADY_EXISTS', false],
    ['SN412', 'PRECONDITION_FAILED', false],
    // classes
    ['08006', 'UNAVAILABLE', true],
    ['22P02', 'INVALID_ARGUMENT', false],
    ['23502', 'INVALID_ARGUMENT', false],
    ['40003', 'CONSISTENCY', true],
    ['53200', 'UNAVAILABLE', true],
    ['57P01', 'UNAVAILABLE', true],
    ['58030', 'UNAVAILABLE', true],
    // node and postgres.js
    ['ECONNREFUSED', 'UNAVAILABLE', true],
    ['ECONNRESET', 'UNAVAILABLE', true],
    ['EPIPE', 'UNAVAILABLE', true],
    ['ETIMEDOUT', 'TIMEOUT', true],
    ['ENOTFOUND', 'CONFIG_INVALID', false],
    ['CONNECT_TIMEOUT', 'UNAVAILABLE', true],
    ['CONNECTION_CLOSED', 'UNAVAILABLE', true],
    ['CONNECTION_ENDED', 'UNAVAILABLE', false],
    ['CONNECTION_DESTROYED', 'UNAVAILABLE', false],
    ['MAX_PARAMETERS_EXCEEDED', 'INVALID_ARGUMENT', false],
  ] as const)('%s → %s (retryable %s)', (code, expected, retryable) => {
    const error = toStorageError(raw(code), { operation: 'records.get', namespace: 'ns' });
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: expected, retryable, operation: 'records.get', namespace: 'ns', adapter: 'postgres' });
  });

  it('every entry of the table is a known code with a message', () => {
    for (const group of Object.values(ERROR_MAPPINGS)) {
      for (const mapping of Object.values(group)) expect(mapping.message.length).toBeGreaterThan(10);
    }
  });

  it('anything unknown is INTERNAL, not retryable', () => {
    for (const thing of [raw('XX000'), raw('P0001'), raw('WHATEVER_ELSE'), new Error('plain'), 'a string', null, 42, { code: '' }]) {
      expect(mappingOf(thing)).toMatchObject({ code: 'INTERNAL', retryable: false });
    }
    const error = toStorageError('a string', { operation: 'x' });
    expect(error.cause).toMatchObject({ name: 'NonError', message: 'a string' });
    expect(error.details).toBeUndefined();
  });

  it('keeps a sanitized cause: code and message, never parameters, query or detail', () => {
    const driver = raw('23505', { detail: 'Key (namespace, key)=(ns, secret-key) already exists.', parameters: ['secret-value'], query: 'insert …' });
    const error = toStorageError(driver, { operation: 'records.put' });
    expect(error.details).toEqual({ sqlstate: '23505' });
    expect(error.cause).toMatchObject({ code: '23505', message: 'server says 23505' });
    expect(JSON.stringify(error.cause)).not.toContain('secret');
    expect(Object.keys(error.cause as object).sort()).toEqual(['code', 'name']);
    expect(toStorageError(raw('ECONNREFUSED'), { operation: 'x' }).details).toEqual({ driverCode: 'ECONNREFUSED' });
    expect(toStorageError(raw('EPIPE'), { operation: 'x' }).details).toEqual({ driverCode: 'EPIPE' });
  });

  it("reports the putMany guard's failing entry", () => {
    expect(toStorageError(raw('SN412', { hint: '3' }), { operation: 'records.putMany' }).details).toEqual({ sqlstate: 'SN412', entry: 3 });
    expect(toStorageError(raw('SN409'), { operation: 'records.putMany' }).details).toEqual({ sqlstate: 'SN409' });
  });

  it('passes StorageErrors through, filling in missing context', () => {
    const own = new StorageError('NOT_FOUND', 'gone');
    const passed = toStorageError(own, { operation: 'records.get', namespace: 'ns' });
    expect(passed).toMatchObject({ code: 'NOT_FOUND', operation: 'records.get', namespace: 'ns', adapter: 'postgres' });
    const made = adapterError('UNAVAILABLE', 'down', { operation: 'open' }, { pending: [1] }, false);
    expect(made).toMatchObject({ code: 'UNAVAILABLE', retryable: false, details: { pending: [1] }, adapter: 'postgres' });
    expect(adapterError('INTERNAL', 'x', { operation: 'o' }).details).toBeUndefined();
  });
});
