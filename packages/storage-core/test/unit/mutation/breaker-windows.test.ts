import { afterEach, describe, expect, it, vi } from 'vitest';
import { StorageError, type LogEvent } from '../../../src/index.js';
import { AdapterBreaker, CIRCUIT_STATE, isBackendFailure } from '../../../src/layers/resilience/breaker.js';

// The breaker's arithmetic and state machine, on a controlled clock: the rolling window of ten
// buckets, volume and error-rate thresholds, half-open with exactly one probe, and what it logs.
const site = { operation: 'records.get', namespace: 'ns', adapter: 'pg' };
const failure = new StorageError('UNAVAILABLE', 'down');

function breaker(settings: Partial<{ errorRate: number; volume: number; halfOpenAfterMs: number; windowMs: number }> = {}) {
  let clock = 0;
  const gauge: number[] = [];
  const events: LogEvent[] = [];
  const runtime = {
    now: () => clock,
    logger: { log: (event: LogEvent) => events.push(event) },
    metrics: { circuitState: { bind: (labels: object) => ({ set: (value: number) => gauge.push(value), labels }) } },
  };
  const b = new AdapterBreaker('pg', 'db', { errorRate: 0.5, volume: 4, halfOpenAfterMs: 1_000, windowMs: 1_000, ...settings }, runtime as never, runtime.now);
  return { b, gauge, events, advance: (ms: number) => (clock += ms) };
}

afterEach(() => vi.useRealTimers());

describe('which errors count against the breaker', () => {
  it('TIMEOUT, UNAVAILABLE, INTERNAL and non-StorageErrors count; answers do not', () => {
    for (const code of ['TIMEOUT', 'UNAVAILABLE', 'INTERNAL'] as const) expect(isBackendFailure(new StorageError(code, 'x'))).toBe(true);
    for (const code of ['NOT_FOUND', 'PRECONDITION_FAILED', 'ACCESS_DENIED', 'CIRCUIT_OPEN', 'BACKPRESSURE'] as const) {
      expect(isBackendFailure(new StorageError(code, 'x'))).toBe(false);
    }
    expect(isBackendFailure(new Error('socket'))).toBe(true);
  });
});

describe('opening', () => {
  it('starts closed and reports it on the gauge', () => {
    const { b, gauge } = breaker();
    expect(b.state).toBe('closed');
    expect(gauge).toEqual([CIRCUIT_STATE.closed]);
    expect(CIRCUIT_STATE).toEqual({ closed: 0, halfOpen: 1, open: 2 });
  });

  it('needs `volume` calls in the window before it may open', () => {
    const { b } = breaker({ volume: 4, errorRate: 0.5 });
    for (let i = 0; i < 3; i++) b.failed(failure);
    expect(b.state).toBe('closed');
    b.failed(failure);
    expect(b.state).toBe('open');
  });

  it('opens only when the failure share is above errorRate, not at it', () => {
    const { b } = breaker({ volume: 4, errorRate: 0.5 });
    b.succeeded();
    b.succeeded();
    b.failed(failure);
    b.failed(failure); // 2 of 4 = 50%: not above
    expect(b.state).toBe('closed');
    b.failed(failure); // 3 of 5 = 60%
    expect(b.state).toBe('open');
  });

  it('answers count as successes', () => {
    const { b } = breaker({ volume: 4, errorRate: 0.5 });
    for (let i = 0; i < 3; i++) b.failed(new StorageError('NOT_FOUND', 'x'));
    b.failed(failure);
    b.failed(failure); // 2 of 5
    expect(b.state).toBe('closed');
  });

  it('logs the opening with counts, window, threshold and the last failure, and sets the gauge', () => {
    const { b, events, gauge } = breaker({ volume: 2, errorRate: 0.5, windowMs: 1_000 });
    b.failed(new StorageError('TIMEOUT', 'slow'));
    b.failed(new StorageError('UNAVAILABLE', 'down'));
    expect(events).toEqual([
      {
        event: 'storage.circuit',
        level: 'warn',
        adapter: 'pg',
        instance: 'db',
        state: 'open',
        reason: '2 of 2 calls failed in 1000 ms (threshold 50%); last: UNAVAILABLE: down',
      },
    ]);
    expect(gauge.at(-1)).toBe(CIRCUIT_STATE.open);
  });

  it('a non-StorageError is named by its string form', () => {
    const { b, events } = breaker({ volume: 1, errorRate: 0 });
    b.failed(new Error('socket hang up'));
    expect(events[0]!['reason']).toBe('1 of 1 calls failed in 1000 ms (threshold 0%); last: Error: socket hang up');
  });
});

describe('the rolling window', () => {
  it('forgets calls older than the window, bucket by bucket', () => {
    const { b, advance } = breaker({ volume: 4, errorRate: 0.5, windowMs: 1_000 });
    b.failed(failure);
    b.failed(failure);
    b.failed(failure);
    advance(1_000); // the whole window has passed: those three are gone
    b.failed(failure);
    expect(b.state).toBe('closed');
    b.failed(failure);
    b.failed(failure);
    expect(b.state).toBe('closed');
    b.failed(failure);
    expect(b.state).toBe('open');
  });

  it('keeps calls younger than the window', () => {
    const { b, advance } = breaker({ volume: 4, errorRate: 0.5, windowMs: 1_000 });
    b.failed(failure);
    b.failed(failure);
    b.failed(failure);
    advance(899); // nine buckets on: the first bucket is still inside
    b.failed(failure);
    expect(b.state).toBe('open');
  });

  it('successes age out too', () => {
    const { b, advance } = breaker({ volume: 4, errorRate: 0.5, windowMs: 1_000 });
    for (let i = 0; i < 4; i++) b.succeeded();
    advance(500);
    b.failed(failure);
    b.failed(failure);
    b.failed(failure); // 3 of 7
    expect(b.state).toBe('closed');
    advance(600); // the successes' bucket has left the window
    b.failed(failure);
    expect(b.state).toBe('open');
  });

  it('a bucket is windowMs / 10 long, at least 1 ms', () => {
    const { b, advance } = breaker({ volume: 2, errorRate: 0.5, windowMs: 5 });
    b.failed(failure);
    advance(10); // ten 1 ms buckets have passed
    b.failed(failure);
    expect(b.state).toBe('closed');
  });
});

describe('open and half-open', () => {
  it('turns calls away while open, with a CIRCUIT_OPEN that says when to retry', () => {
    const { b } = breaker({ volume: 1, errorRate: 0, halfOpenAfterMs: 1_000 });
    b.failed(failure);
    expect(b.admit()).toBe(false);
    const error = b.openError(site);
    expect(error).toMatchObject({
      code: 'CIRCUIT_OPEN',
      retryable: true,
      operation: 'records.get',
      namespace: 'ns',
      adapter: 'pg',
      message: 'records.get was not sent: the circuit breaker of adapter "pg" is open after repeated failures; retry after 1000 ms',
    });
  });

  it('after halfOpenAfterMs lets exactly one probe through; its success closes the breaker', () => {
    vi.useFakeTimers();
    const { b, events, gauge } = breaker({ volume: 1, errorRate: 0, halfOpenAfterMs: 1_000 });
    b.failed(failure);
    vi.advanceTimersByTime(999);
    expect(b.state).toBe('open');
    vi.advanceTimersByTime(1);
    expect(b.state).toBe('halfOpen');
    expect(events.at(-1)).toMatchObject({ level: 'info', state: 'halfOpen', reason: '1000 ms open; letting one probe call through' });
    expect(gauge.at(-1)).toBe(CIRCUIT_STATE.halfOpen);
    expect(b.admit()).toBe(true);
    expect(b.admit()).toBe(false); // the probe is running
    b.succeeded();
    expect(b.state).toBe('closed');
    expect(events.at(-1)).toMatchObject({ level: 'info', state: 'closed', reason: 'probe call succeeded' });
    expect(b.admit()).toBe(true);
    expect(b.admit()).toBe(true);
  });

  it('a closed breaker starts its window afresh: the failures before opening do not count again', () => {
    vi.useFakeTimers();
    const { b } = breaker({ volume: 3, errorRate: 0.5, halfOpenAfterMs: 100 });
    for (let i = 0; i < 3; i++) b.failed(failure);
    vi.advanceTimersByTime(100);
    b.admit();
    b.succeeded(); // closed, counts reset
    b.failed(failure);
    b.failed(failure);
    expect(b.state).toBe('closed');
  });

  it('a failed probe opens the breaker again, and the timer starts over', () => {
    vi.useFakeTimers();
    const { b, events } = breaker({ volume: 1, errorRate: 0, halfOpenAfterMs: 100 });
    b.failed(failure);
    vi.advanceTimersByTime(100);
    expect(b.admit()).toBe(true);
    b.failed(new StorageError('TIMEOUT', 'slow'));
    expect(b.state).toBe('open');
    expect(events.at(-1)).toMatchObject({ level: 'warn', state: 'open', reason: 'probe call failed (TIMEOUT: slow)' });
    expect(b.admit()).toBe(false);
    vi.advanceTimersByTime(100);
    expect(b.state).toBe('halfOpen');
    expect(b.admit()).toBe(true);
  });

  it('a probe whose caller gave up frees the slot for another probe', () => {
    vi.useFakeTimers();
    const { b } = breaker({ volume: 1, errorRate: 0, halfOpenAfterMs: 100 });
    b.failed(failure);
    vi.advanceTimersByTime(100);
    expect(b.admit()).toBe(true);
    b.released();
    expect(b.state).toBe('halfOpen');
    expect(b.admit()).toBe(true);
  });

  it('released while closed changes nothing', () => {
    const { b } = breaker();
    b.released();
    expect(b.state).toBe('closed');
    expect(b.admit()).toBe(true);
  });

  it('a probe that gets an answer (not a backend failure) closes the breaker', () => {
    vi.useFakeTimers();
    const { b } = breaker({ volume: 1, errorRate: 0, halfOpenAfterMs: 100 });
    b.failed(failure);
    vi.advanceTimersByTime(100);
    b.admit();
    b.failed(new StorageError('NOT_FOUND', 'x'));
    expect(b.state).toBe('closed');
  });

  it('failures of calls admitted before the opening do not restart the open timer', () => {
    vi.useFakeTimers();
    const { b, events } = breaker({ volume: 1, errorRate: 0, halfOpenAfterMs: 100 });
    b.failed(failure);
    vi.advanceTimersByTime(60);
    b.failed(failure); // a late failure of an earlier call
    expect(events.filter((event) => event['state'] === 'open')).toHaveLength(1);
    vi.advanceTimersByTime(40);
    expect(b.state).toBe('halfOpen');
  });

  it('shutdown stops the half-open timer', () => {
    vi.useFakeTimers();
    const { b } = breaker({ volume: 1, errorRate: 0, halfOpenAfterMs: 100 });
    b.failed(failure);
    b.shutdown();
    vi.advanceTimersByTime(1_000);
    expect(b.state).toBe('open');
  });
});

describe('clock readings', () => {
  it('by default the window runs on performance.now()', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const runtime = { logger: { log: () => {} }, metrics: { circuitState: { bind: () => ({ set: () => {} }) } } };
    const b = new AdapterBreaker('pg', 'db', { errorRate: 0.5, volume: 2, halfOpenAfterMs: 1_000, windowMs: 1_000 }, runtime as never);
    b.failed(failure);
    vi.advanceTimersByTime(1_000); // the failure has left the window
    b.failed(failure);
    expect(b.state).toBe('closed');
    b.failed(failure);
    expect(b.state).toBe('open');
  });

  it('a success reported with a reading older than the window start does not move the window back', () => {
    const { b, advance } = breaker({ volume: 3, errorRate: 0.5, windowMs: 1_000 });
    advance(1_500);
    b.failed(failure);
    b.failed(failure);
    b.succeeded(0); // a call that started before the window began, answered now
    b.failed(failure); // 3 of 4 failed, all inside the window
    expect(b.state).toBe('open');
  });

  it('each rotation clears exactly the buckets that passed', () => {
    const { b, advance } = breaker({ volume: 5, errorRate: 0.5, windowMs: 1_000 });
    for (let i = 0; i < 3; i++) b.failed(failure); // bucket 0
    advance(100);
    b.failed(failure); // bucket 1
    advance(850); // bucket 9: the failures of bucket 0 are 950 ms old, still inside
    b.failed(failure);
    expect(b.state).toBe('open');
  });

  it('a probe that closed the breaker does not keep the next half-open period from probing', () => {
    vi.useFakeTimers();
    const { b } = breaker({ volume: 1, errorRate: 0, halfOpenAfterMs: 100 });
    b.failed(failure);
    vi.advanceTimersByTime(100);
    expect(b.admit()).toBe(true);
    b.succeeded();
    expect(b.state).toBe('closed');
    b.failed(failure);
    expect(b.state).toBe('open');
    vi.advanceTimersByTime(100);
    expect(b.state).toBe('halfOpen');
    expect(b.admit()).toBe(true);
  });
});
