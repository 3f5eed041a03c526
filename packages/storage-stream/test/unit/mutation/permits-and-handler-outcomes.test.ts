import { describe, expect, it } from 'vitest';
import { DEAD_LETTER, type StreamMessage } from '@sanctum/storage-core/spi';
import { deadLetterHeaders, describeError } from '../../../src/shared/dead-letter.js';
import { Permits } from '../../../src/shared/permits.js';
import { runHandler } from '../../../src/shared/run-handler.js';

// Pins the edges of the shared flow-control pieces both stream adapters use: what tryAcquire refuses,
// that a zero deadline or an aborted signal never queues, that a waiter leaving the head of the line
// takes nothing with it, and the shape of a handler's outcome and of dead-letter texts.

const message: StreamMessage = { id: '1-0', namespace: 'n', payload: new Uint8Array(), headers: {}, publishedAt: new Date(), deliveryCount: 1 };

describe('Permits.tryAcquire', () => {
  it('takes free permits at once, exactly up to what is available', () => {
    const permits = new Permits(3);
    expect(permits.tryAcquire(2)).toBe(true);
    expect(permits.available).toBe(1);
    expect(permits.tryAcquire(2)).toBe(false);
    expect(permits.available).toBe(1);
    expect(permits.tryAcquire(1)).toBe(true);
    expect(permits.available).toBe(0);
  });

  it('never jumps the line of waiting requests, and refuses everything once closed', async () => {
    const permits = new Permits(2);
    expect(permits.tryAcquire(2)).toBe(true);
    const waiting = permits.acquire(2, 1_000);
    permits.release(1);
    // One permit is free, but a request of two waits in front.
    expect(permits.available).toBe(1);
    expect(permits.tryAcquire(1)).toBe(false);
    permits.release(1);
    expect(await waiting).toBe(true);
    permits.release(2);
    permits.close();
    expect(permits.available).toBe(2);
    expect(permits.tryAcquire(1)).toBe(false);
    expect(permits.available).toBe(2);
  });
});

describe('Permits.acquire', () => {
  it('with a deadline of 0 answers false at once: a release right after does not grant it', async () => {
    const permits = new Permits(1);
    expect(await permits.acquire(1, 0)).toBe(true);
    const refused = permits.acquire(1, 0);
    permits.release(1);
    expect(await refused).toBe(false);
    expect(permits.available).toBe(1);
  });

  it('with an already aborted signal answers false at once: a release right after does not grant it', async () => {
    const permits = new Permits(1);
    expect(await permits.acquire(1, 0)).toBe(true);
    const refused = permits.acquire(1, 5_000, AbortSignal.abort());
    permits.release(1);
    expect(await refused).toBe(false);
    expect(permits.available).toBe(1);
  });

  it('a request that gives up at the head of the line leaves the line and keeps no permits', async () => {
    const permits = new Permits(2);
    expect(await permits.acquire(2, 0)).toBe(true);
    const head = permits.acquire(2, 10);
    expect(await head).toBe(false);
    permits.release(2);
    expect(permits.available).toBe(2);
    // The line is empty again: an immediate request is granted without waiting.
    expect(permits.tryAcquire(2)).toBe(true);
  });

  it('an aborted waiter at the head leaves the line and keeps no permits', async () => {
    const permits = new Permits(1);
    expect(await permits.acquire(1, 0)).toBe(true);
    const controller = new AbortController();
    const head = permits.acquire(1, 5_000, controller.signal);
    const behind = permits.acquire(1, 5_000);
    controller.abort();
    // The abort takes the head out of the line at once: the permit given back goes to the one behind.
    permits.release(1);
    expect(await head).toBe(false);
    expect(await behind).toBe(true);
    expect(permits.available).toBe(0);
    permits.release(1);
    expect(permits.available).toBe(1);
  });

  it('grants waiters in order as soon as enough permits are back, not before', async () => {
    const permits = new Permits(3);
    expect(await permits.acquire(3, 0)).toBe(true);
    const order: string[] = [];
    const first = permits.acquire(2, 1_000).then((taken) => order.push(`first ${String(taken)}`));
    const second = permits.acquire(1, 1_000).then((taken) => order.push(`second ${String(taken)}`));
    permits.release(1);
    await Promise.resolve();
    expect(permits.available).toBe(1);
    permits.release(1);
    await Promise.all([first, Promise.resolve()]);
    expect(order).toEqual(['first true']);
    permits.release(1);
    await second;
    expect(order).toEqual(['first true', 'second true']);
    expect(permits.available).toBe(0);
  });
});

describe('Permits.close', () => {
  it('answers every waiter false at once, without waiting for their deadlines', async () => {
    const permits = new Permits(1);
    expect(permits.tryAcquire(1)).toBe(true);
    const waiting = permits.acquire(1, 60_000);
    permits.close();
    const nextTurn = new Promise((resolve) => setImmediate(() => resolve('still waiting')));
    expect(await Promise.race([waiting, nextTurn])).toBe(false);
  });
});

describe('runHandler outcomes', () => {
  const timeout = () => new Error('too slow');

  it('a handler that resolved in time reports a frozen outcome without error', async () => {
    const outcome = await runHandler(async () => undefined, message, 1_000, timeout);
    expect(outcome).toEqual({ error: undefined });
    expect(Object.isFrozen(outcome)).toBe(true);
  });

  it('passes the message to the handler, and ignores what a timed-out handler does later', async () => {
    const seen: StreamMessage[] = [];
    let finish: (() => void) | undefined;
    const outcome = await runHandler(
      (received) => {
        seen.push(received);
        return new Promise<void>((resolve) => (finish = resolve));
      },
      message,
      10,
      timeout,
    );
    expect(seen).toEqual([message]);
    expect((outcome.error as Error).message).toBe('too slow');
    finish?.();
  });

  it('keeps a falsy rejection reason other than undefined as the error', async () => {
    const outcome = await runHandler(() => Promise.reject(0), message, 1_000, timeout);
    expect(outcome.error).toBe(0);
  });
});

describe('dead-letter texts', () => {
  it('keeps a text of exactly 1 KiB whole and cuts a longer one to 1 KiB', () => {
    expect(describeError('y'.repeat(1024))).toBe('y'.repeat(1024));
    expect(describeError(new Error('z'.repeat(2_000)))).toBe(`Error: ${'z'.repeat(1017)}`);
  });

  it('names the error class and message, and stringifies anything else', () => {
    class QuotaError extends Error {
      override name = 'QuotaError';
    }
    expect(describeError(new QuotaError('full'))).toBe('QuotaError: full');
    expect(describeError({ toString: () => 'custom' })).toBe('custom');
    expect(describeError(undefined)).toBe('undefined');
  });

  it('the dead-letter headers win over same-named original headers', () => {
    const headers = deadLetterHeaders({ [DEAD_LETTER.attemptsHeader]: 'forged', keep: 'me' }, 'e', 2, '1-0');
    expect(headers[DEAD_LETTER.attemptsHeader]).toBe('2');
    expect(headers['keep']).toBe('me');
  });
});
