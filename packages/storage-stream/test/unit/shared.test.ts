import { describe, expect, it, vi } from 'vitest';
import { DEAD_LETTER, StorageError } from '@sanctum/storage-core';
import type { StreamMessage, SubscribeRequest } from '@sanctum/storage-core/spi';
import { abortedError, backoffMs, isAborted, sleep } from '../../src/shared/abort.js';
import { deadLetterHeaders, describeError } from '../../src/shared/dead-letter.js';
import { Permits } from '../../src/shared/permits.js';
import { runHandler } from '../../src/shared/run-handler.js';
import { Slots } from '../../src/shared/slots.js';
import { defaultConsumerName, validateMessages, validateSubscribe } from '../../src/shared/validate.js';

const invalid = (message: string) => new StorageError('INVALID_ARGUMENT', message);
const message: StreamMessage = { id: '1-0', namespace: 'n', payload: new Uint8Array(), headers: {}, publishedAt: new Date(), deliveryCount: 1 };

describe('Permits', () => {
  it('grants in FIFO order as permits come back, and refuses after the deadline', async () => {
    const permits = new Permits(3);
    expect(await permits.acquire(2, 0)).toBe(true);
    expect(permits.available).toBe(1);
    const big = permits.acquire(3, 1_000);
    const small = permits.acquire(1, 1_000); // behind the big one, although one permit is free
    expect(await permits.acquire(1, 0)).toBe(false);
    permits.release(2);
    expect(await big).toBe(true);
    permits.release(3);
    expect(await small).toBe(true);
    expect(await permits.acquire(3, 10)).toBe(false);
    permits.release(10);
    expect(permits.available).toBe(3);
  });

  it('lets smaller requests in when a large one gives up, honours abort signals, and turns everyone away on close', async () => {
    const permits = new Permits(2);
    await permits.acquire(1, 0);
    const big = permits.acquire(2, 20);
    const small = permits.acquire(1, 1_000);
    expect(await big).toBe(false);
    expect(await small).toBe(true);
    const controller = new AbortController();
    const aborted = permits.acquire(1, 1_000, controller.signal);
    controller.abort();
    expect(await aborted).toBe(false);
    expect(await permits.acquire(1, 1_000, AbortSignal.abort())).toBe(false);
    const waiting = permits.acquire(1, 1_000);
    expect(permits.closed).toBe(false);
    permits.close();
    expect(await waiting).toBe(false);
    expect(permits.closed).toBe(true);
    permits.release(2);
    expect(await permits.acquire(1, 0)).toBe(false);
  });
});

describe('Slots', () => {
  it('bounds concurrent work and denies waiters once stopped', async () => {
    const slots = new Slots(1);
    expect(await slots.acquire()).toBe(true);
    const next = slots.acquire();
    expect(slots.used).toBe(1);
    slots.release();
    expect(await next).toBe(true);
    const denied = slots.acquire();
    slots.stop();
    expect(await denied).toBe(false);
    expect(await slots.acquire()).toBe(false);
    slots.release();
    slots.release();
    expect(slots.used).toBe(0);
  });
});

describe('abort helpers', () => {
  it('maps an aborted signal to TIMEOUT or UNAVAILABLE', () => {
    expect(abortedError(AbortSignal.abort(new DOMException('late', 'TimeoutError')), 'op', 'ns', 'a').code).toBe('TIMEOUT');
    expect(abortedError(AbortSignal.abort(), 'op', 'ns', 'a').code).toBe('UNAVAILABLE');
    expect(isAborted(undefined)).toBe(false);
    expect(isAborted(AbortSignal.abort())).toBe(true);
  });

  it('sleeps until the time passes or the signal fires, and backs off with capped jitter', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const sleeping = sleep(10_000, controller.signal);
    controller.abort();
    await sleeping;
    await sleep(1_000, AbortSignal.abort());
    await sleep(5);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(backoffMs(0, 50, 2_000, () => 0.999)).toBe(49);
    expect(backoffMs(30, 50, 2_000, () => 0.5)).toBe(1_000);
    expect(backoffMs(3)).toBeLessThan(400);
  });
});

describe('dead letters', () => {
  it('describes errors and non-errors, capped at 1 KiB', () => {
    expect(describeError(new TypeError('bad'))).toBe('TypeError: bad');
    expect(describeError('plain')).toBe('plain');
    expect(describeError(new Error('x'.repeat(5_000)))).toHaveLength(1024);
  });

  it('adds the dead-letter headers to the original ones', () => {
    expect(deadLetterHeaders({ a: '1' }, new Error('boom'), 3, '7-0')).toEqual({
      a: '1',
      [DEAD_LETTER.errorHeader]: 'Error: boom',
      [DEAD_LETTER.attemptsHeader]: '3',
      [DEAD_LETTER.originalIdHeader]: '7-0',
    });
  });
});

describe('runHandler', () => {
  const timeout = () => new Error('too slow');

  it('reports a resolved, a rejected (even with undefined) and a timed-out handler', async () => {
    expect((await runHandler(async () => undefined, message, 1_000, timeout)).error).toBeUndefined();
    expect(((await runHandler(async () => Promise.reject(new Error('no')), message, 1_000, timeout)).error as Error).message).toBe('no');
    expect(((await runHandler(async () => Promise.reject(undefined), message, 1_000, timeout)).error as Error).message).toBe('handler rejected');
    expect(((await runHandler(() => new Promise(() => undefined), message, 10, timeout)).error as Error).message).toBe('too slow');
    const sync = vi.fn(() => {
      throw new Error('sync');
    });
    expect(((await runHandler(sync as never, message, 1_000, timeout)).error as Error).message).toBe('sync');
  });
});

describe('validation', () => {
  const request = (overrides: Partial<SubscribeRequest>): SubscribeRequest => ({
    namespace: 'n',
    group: 'g',
    handler: async () => undefined,
    maxInFlight: 1,
    maxDeliveries: 1,
    ackTimeoutMs: 1,
    ...overrides,
  });

  it('refuses malformed subscribe requests', () => {
    expect(() => validateSubscribe(request({}), invalid)).not.toThrow();
    expect(() => validateSubscribe(request({ group: '' }), invalid)).toThrow('group');
    expect(() => validateSubscribe(request({ consumer: '' }), invalid)).toThrow('consumer');
    expect(() => validateSubscribe(request({ handler: 'x' as never }), invalid)).toThrow('handler');
    expect(() => validateSubscribe(request({ ackTimeoutMs: 1.5 }), invalid)).toThrow('ackTimeoutMs');
  });

  it('refuses malformed batches', () => {
    const payload = new Uint8Array(1);
    expect(() => validateMessages([{ payload }], 1, invalid)).not.toThrow();
    expect(() => validateMessages('x' as never, 1, invalid)).toThrow('array');
    expect(() => validateMessages([{ payload }, { payload }], 1, invalid)).toThrow('larger');
    expect(() => validateMessages([{ payload: 'x' as never }], 1, invalid)).toThrow('Uint8Array');
    expect(() => validateMessages([{ payload, key: 1 as never }], 1, invalid)).toThrow('key');
    expect(() => validateMessages([{ payload, headers: { a: 1 as never } }], 1, invalid)).toThrow('header');
    expect(defaultConsumerName('abc')).toBe('consumer-abc');
  });
});
