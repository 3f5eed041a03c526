import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StorageError, isStorageError } from '../../src/index.js';
import {
  ROOT_PATH,
  abortReasonError,
  abortedError,
  classifySocketError,
  configInvalid,
  parseOptions,
  socketErrorCode,
  throwIfAborted,
  toOptionsIssues,
  type StandardSchemaV1,
} from '../../src/spi/index.js';

const where = { operation: 'records.get', namespace: 'users', adapter: 'test' };

describe('abort helpers (one rule for every adapter)', () => {
  it('a timeout reason is TIMEOUT, any other reason UNAVAILABLE, both with the context and the reason as cause', () => {
    const timedOut = AbortSignal.abort(new DOMException('slow', 'TimeoutError'));
    expect(abortedError(timedOut, where)).toMatchObject({ code: 'TIMEOUT', message: 'records.get timed out', ...where, retryable: true });
    const cancelled = new AbortController();
    cancelled.abort();
    const error = abortedError(cancelled.signal, where);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', message: 'records.get was aborted', ...where });
    expect(error.cause).toBe(cancelled.signal.reason);
  });

  it('a StorageError reason keeps its code and gains the context', () => {
    const reason = new StorageError('BACKPRESSURE', 'too many');
    expect(abortReasonError(reason, where)).toMatchObject({ code: 'BACKPRESSURE', operation: 'records.get', adapter: 'test' });
  });

  it('throwIfAborted throws only once the signal fired', () => {
    const controller = new AbortController();
    expect(() => throwIfAborted(controller.signal, where)).not.toThrow();
    expect(() => throwIfAborted(undefined, where)).not.toThrow();
    controller.abort();
    expect(() => throwIfAborted(controller.signal, where)).toThrow(StorageError);
  });
});

describe('options issues (one CONFIG_INVALID shape)', () => {
  const schema = z.object({ port: z.number().int(), tls: z.object({ ca: z.string() }).optional() }).strict();

  it('joins paths with dots, names the whole value (root), and prefixes config paths', () => {
    const issues: StandardSchemaV1.Issue[] = [
      { message: 'bad', path: ['tls', { key: 'ca' }] },
      { message: 'whole', path: [] },
      { message: 'none' },
    ];
    expect(toOptionsIssues(issues)).toEqual([
      { path: 'tls.ca', message: 'bad' },
      { path: ROOT_PATH, message: 'whole' },
      { path: ROOT_PATH, message: 'none' },
    ]);
    expect(toOptionsIssues(issues, 'adapters.pg.options').map((issue) => issue.path)).toEqual([
      'adapters.pg.options.tls.ca',
      'adapters.pg.options',
      'adapters.pg.options',
    ]);
  });

  it('parseOptions returns the output, or CONFIG_INVALID listing every issue as { path, message }', () => {
    expect(parseOptions(schema, { port: 5432 }, { adapter: 'pg' })).toEqual({ port: 5432 });
    let caught: unknown;
    try {
      parseOptions(schema, { port: 1.5, tls: { ca: 1 }, password: 'hunter2' }, { adapter: 'pg' });
    } catch (error) {
      caught = error;
    }
    expect(isStorageError(caught, 'CONFIG_INVALID')).toBe(true);
    const error = caught as StorageError;
    expect(error.adapter).toBe('pg');
    expect(error.details?.['issues']).toEqual([
      { path: 'port', message: expect.any(String) },
      { path: 'tls.ca', message: expect.any(String) },
      { path: ROOT_PATH, message: expect.stringContaining('password') },
    ]);
    expect(error.message).toMatch(/^Invalid pg adapter options \(3 problem\(s\)\):\n {2}- port: /);
    expect(error.message).not.toContain('hunter2');
  });

  it('an asynchronous schema is refused with CONFIG_INVALID, not run', () => {
    const asyncSchema: StandardSchemaV1<unknown, number> = {
      '~standard': { version: 1, vendor: 'test', validate: () => Promise.resolve({ value: 1 }) },
    };
    expect(() => parseOptions(asyncSchema, {}, { adapter: 'x', subject: 'x options' })).toThrow(/Invalid x options/);
  });

  it('configInvalid builds the same message for core and adapters', () => {
    const error = configInvalid('adapter configuration', [{ path: 'adapters.pg', message: 'unknown' }]);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: 'Invalid adapter configuration (1 problem(s)):\n  - adapters.pg: unknown' });
  });
});

describe('socket error classification', () => {
  it.each([
    ['ECONNREFUSED', 'UNAVAILABLE', true],
    ['ECONNRESET', 'UNAVAILABLE', true],
    ['EPIPE', 'UNAVAILABLE', true],
    ['EAI_AGAIN', 'UNAVAILABLE', true],
    ['ETIMEDOUT', 'TIMEOUT', true],
    ['ENOTFOUND', 'CONFIG_INVALID', false],
  ])('%s → %s (retryable %s), also when wrapped as a cause', (code, expected, retryable) => {
    const raw = Object.assign(new Error('socket'), { code });
    expect(classifySocketError(raw)).toMatchObject({ code: expected, retryable });
    expect(classifySocketError(new Error('outer', { cause: raw }))).toMatchObject({ code: expected, retryable });
    expect(socketErrorCode(new Error('outer', { cause: raw }))).toBe(code);
    expect(classifySocketError(raw)!.message('Redis')).toContain('Redis');
  });

  it('anything else is not a socket error', () => {
    for (const other of [new Error('x'), { code: 'toString' }, { code: '23505' }, null, 'ECONNRESET']) {
      expect(classifySocketError(other)).toBeUndefined();
      expect(socketErrorCode(other)).toBeUndefined();
    }
  });
});
