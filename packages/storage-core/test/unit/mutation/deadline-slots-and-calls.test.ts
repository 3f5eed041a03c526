import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StorageError, type LogEvent } from '../../../src/index.js';
import { AdapterBreaker } from '../../../src/layers/resilience/breaker.js';
import { DeadlineSlot, DeadlineWheel, type SlotMember } from '../../../src/layers/resilience/deadline-wheel.js';
import { deadlineError } from '../../../src/layers/resilience/deadline.js';
import type { OperationPolicy } from '../../../src/layers/resilience/policy.js';
import { runResilient, type CallPlan } from '../../../src/layers/resilience/resilient-call.js';
import { RetryBudget } from '../../../src/layers/resilience/retry-budget.js';

// The deadline slots and one resilient call, driven directly on a fake clock: which slot a call
// joins and when it expires, which signal each attempt gets, what a deadline, an abort, a retry and
// a late answer do, and what the breaker and the retry counter are told.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const site = { operation: 'records.get', namespace: 'ns', adapter: 'pg' };
const unavailable = () => new StorageError('UNAVAILABLE', 'down', { retryable: true });
/** Lets promise callbacks run (no timer moves). */
const settle = () => vi.advanceTimersByTimeAsync(0);

function member(): SlotMember & { expired: DeadlineSlot[] } {
  const expired: DeadlineSlot[] = [];
  return { expired, expire: (slot) => void expired.push(slot) };
}

describe('deadline slot', () => {
  it('expires its members after the delay rounded up to whole milliseconds', () => {
    const slot = new DeadlineSlot(10.2, () => 'late');
    const m = member();
    slot.join(m);
    vi.advanceTimersByTime(10);
    expect(m.expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(m.expired).toEqual([slot]);
  });

  it('does not expire a member that left, and expires the others once', () => {
    const slot = new DeadlineSlot(5, () => 'late');
    const [a, b, c] = [member(), member(), member()];
    slot.join(a);
    const ib = slot.join(b);
    slot.join(c);
    expect(ib).toBe(1);
    slot.leave(ib);
    vi.advanceTimersByTime(5);
    expect([a.expired.length, b.expired.length, c.expired.length]).toEqual([1, 0, 1]);
    vi.advanceTimersByTime(100);
    expect(a.expired).toHaveLength(1);
  });

  it('fires its signal with the reason only when a member was still waiting', () => {
    const waited = new DeadlineSlot(5, () => 'late');
    const signal = waited.signal;
    expect(waited.signal).toBe(signal); // one signal per slot
    waited.join(member());
    vi.advanceTimersByTime(5);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('late');

    const empty = new DeadlineSlot(5, () => 'late');
    const quiet = empty.signal;
    empty.leave(empty.join(member()));
    vi.advanceTimersByTime(5);
    expect(quiet.aborted).toBe(false); // a finished call must not see its signal fire
  });

  it('a signal first asked for after the expiry is already aborted, with the reason', () => {
    const slot = new DeadlineSlot(5, () => 'late');
    slot.join(member());
    vi.advanceTimersByTime(5);
    expect(slot.signal.aborted).toBe(true);
    expect(slot.signal.reason).toBe('late');

    const quiet = new DeadlineSlot(5, () => 'late');
    vi.advanceTimersByTime(5);
    expect(quiet.signal.aborted).toBe(false);
  });

  it('every call of a slot may listen to its signal without a listener-leak warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const slot = new DeadlineSlot(5, () => 'late');
      for (let i = 0; i < 50; i++) slot.signal.addEventListener('abort', () => {});
      await new Promise((resolve) => process.nextTick(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});

describe('deadline wheel', () => {
  it('calls within one slotMs window share a slot; the next window opens a new one', () => {
    const wheel = new DeadlineWheel(100, 10, () => 'late');
    expect(wheel.timeoutMs).toBe(100);
    const first = wheel.current(0);
    expect(wheel.current(9.9)).toBe(first);
    const second = wheel.current(10);
    expect(second).not.toBe(first);
    expect(wheel.current(19)).toBe(second);
    expect(wheel.current(35)).not.toBe(second);
  });

  it('a slot expires slotMs + timeoutMs after it opened, with the wheel reason on its signal', () => {
    const wheel = new DeadlineWheel(100, 10, () => 'wheel reason');
    const slot = wheel.current(performance.now());
    const m = member();
    slot.join(m);
    vi.advanceTimersByTime(109);
    expect(m.expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(m.expired).toEqual([slot]);
    expect(slot.signal.reason).toBe('wheel reason');
  });
});

interface Attempt {
  readonly request: { readonly signal?: AbortSignal | undefined; readonly [key: string]: unknown };
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

function setup(options: {
  policy?: Partial<OperationPolicy>;
  write?: boolean;
  ownSignal?: boolean;
  attempts?: number;
  timeoutMs?: number;
  budget?: RetryBudget;
  breaker?: 'none' | AdapterBreaker;
  call?: (request: Attempt['request']) => Promise<unknown>;
} = {}) {
  const attempts: Attempt[] = [];
  const timeoutMs = options.timeoutMs ?? 100;
  const write = options.write ?? false;
  const logs: LogEvent[] = [];
  const runtime = { logger: { log: (e: LogEvent) => logs.push(e) }, metrics: { circuitState: { bind: () => ({ set: () => {} }) } } };
  const breaker =
    options.breaker === 'none'
      ? undefined
      : (options.breaker ?? new AdapterBreaker('pg', 'db', { errorRate: 0, volume: 1, halfOpenAfterMs: 1_000, windowMs: 1_000 }, runtime as never));
  let retries = 0;
  const plan: CallPlan = {
    call:
      options.call ??
      ((request) =>
        new Promise((resolve, reject) => {
          attempts.push({ request, resolve, reject });
        })),
    site,
    policy: { timeout: write ? 'write' : 'read', idempotent: () => true, ...options.policy },
    wheel: new DeadlineWheel(timeoutMs, 10, () => deadlineError(site, timeoutMs, write)),
    write,
    ownSignal: options.ownSignal ?? false,
    retry: { attempts: options.attempts ?? 3, baseMs: 10, capMs: 10 },
    budget: options.budget ?? new RetryBudget(1, 100, 10_000),
    breaker,
    onRetry: () => void (retries += 1),
  };
  return { plan, attempts, breaker, logs, retries: () => retries };
}

/** Runs `promise` to its end, returning what it rejected with (or the value, marked). */
function outcome(promise: Promise<unknown>): { value?: unknown; error?: unknown; settled: boolean } {
  const state: { value?: unknown; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { value, settled: true }),
    (error: unknown) => Object.assign(state, { error, settled: true }),
  );
  return state;
}

describe('one resilient call', () => {
  it('an open breaker turns the call away without calling the adapter', async () => {
    const { plan, attempts, breaker } = setup();
    breaker!.failed(unavailable());
    expect(breaker!.state).toBe('open');
    const result = outcome(runResilient(plan, {}));
    await settle();
    expect(attempts).toEqual([]);
    expect(result.error).toMatchObject({ code: 'CIRCUIT_OPEN' });
  });

  it('an already aborted caller signal fails at once: no adapter call, no request counted, the probe slot freed', async () => {
    const budget = new RetryBudget(1, 0, 10_000);
    const { plan, attempts, breaker } = setup({ budget });
    breaker!.failed(unavailable());
    vi.advanceTimersByTime(1_000);
    expect(breaker!.state).toBe('halfOpen');
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    const result = outcome(runResilient(plan, { signal: controller.signal }));
    await settle();
    expect(attempts).toEqual([]);
    expect(result.error).toMatchObject({ code: 'UNAVAILABLE', retryable: false, operation: 'records.get' });
    expect(budget.tryRetry()).toBe(false); // share 1 × 0 requests + 0
    expect(breaker!.admit()).toBe(true); // the probe slot was released, not held
  });

  it('counts each caller request in the retry budget, once', async () => {
    const budget = new RetryBudget(1, 0, 10_000);
    const { plan, attempts } = setup({ budget });
    const result = outcome(runResilient(plan, {}));
    attempts[0]!.resolve('v');
    await settle();
    expect(result.value).toBe('v');
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
  });

  it('without a caller signal, the attempt gets the shared slot signal; the caller request is passed on', async () => {
    const { plan, attempts } = setup();
    outcome(runResilient(plan, { key: 'a' } as never));
    outcome(runResilient(plan, { key: 'b' } as never));
    await settle();
    expect(attempts.map((a) => a.request['key'])).toEqual(['a', 'b']);
    expect(attempts[0]!.request.signal).toBeInstanceOf(AbortSignal);
    expect(attempts[1]!.request.signal).toBe(attempts[0]!.request.signal); // one slot, one signal
  });

  it('a caller signal is replaced by a signal of the call, which follows it', async () => {
    const { plan, attempts } = setup();
    const controller = new AbortController();
    const result = outcome(runResilient(plan, { signal: controller.signal }));
    await settle();
    const signal = attempts[0]!.request.signal!;
    expect(signal).not.toBe(controller.signal);
    expect(signal.aborted).toBe(false);
    const reason = new Error('user left');
    controller.abort(reason);
    await settle();
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    expect(result.error).toMatchObject({ code: 'UNAVAILABLE', retryable: false, cause: reason });
  });

  it('ownSignal and a grace period give each call a signal of its own', async () => {
    for (const options of [{ ownSignal: true }, { policy: { graceMs: () => 50 } }]) {
      const { plan, attempts } = setup(options);
      outcome(runResilient(plan, {}));
      outcome(runResilient(plan, {}));
      await settle();
      expect(attempts[0]!.request.signal).toBeInstanceOf(AbortSignal);
      expect(attempts[1]!.request.signal).not.toBe(attempts[0]!.request.signal);
    }
  });

  it('removes its listener from the caller signal when it ends', async () => {
    const { plan, attempts } = setup();
    const controller = new AbortController();
    const result = outcome(runResilient(plan, { signal: controller.signal }));
    await settle();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    attempts[0]!.resolve('v');
    await settle();
    expect(result.value).toBe('v');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('a caller abort after the call ended changes nothing', async () => {
    const { plan, attempts, breaker } = setup();
    const controller = new AbortController();
    const result = outcome(runResilient(plan, { signal: controller.signal }));
    await settle();
    attempts[0]!.resolve('v');
    await settle();
    controller.abort();
    await settle();
    expect(result.value).toBe('v');
    expect(attempts[0]!.request.signal!.aborted).toBe(false);
    expect(breaker!.state).toBe('closed');
  });

  it('an adapter that throws synchronously fails the call like a rejection', async () => {
    const { plan } = setup({
      attempts: 1,
      call: () => {
        throw unavailable();
      },
    });
    const result = outcome(runResilient(plan, {}));
    await settle();
    expect(result.error).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('a read past its deadline: TIMEOUT without outcome, the attempt signal aborted with it, the breaker told', async () => {
    const { plan, attempts, breaker } = setup({ timeoutMs: 100 });
    const result = outcome(runResilient(plan, {}));
    await settle();
    await vi.advanceTimersByTimeAsync(109);
    expect(result.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(result.error).toMatchObject({ code: 'TIMEOUT', details: { timeoutMs: 100 } });
    expect((result.error as StorageError).details).not.toHaveProperty('outcome');
    expect(attempts[0]!.request.signal!.aborted).toBe(true);
    expect(breaker!.state).toBe('open'); // volume 1, errorRate 0: the TIMEOUT counted
  });

  it('a write cut off mid-attempt has an unknown outcome; with its own signal that signal carries the error', async () => {
    const { plan, attempts } = setup({ write: true, ownSignal: true, timeoutMs: 100 });
    const result = outcome(runResilient(plan, {}));
    await vi.advanceTimersByTimeAsync(110);
    expect(result.error).toMatchObject({ code: 'TIMEOUT', details: { outcome: 'unknown', timeoutMs: 100 } });
    expect(attempts[0]!.request.signal!.reason).toBe(result.error);
  });

  it('a write whose deadline passes during a backoff has no attempt in flight: no unknown outcome, no further attempt', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.99);
    const { plan, attempts } = setup({ write: true, timeoutMs: 100, attempts: 5 });
    // A backoff of floor(0.99 × 1000) = 990 ms: the deadline passes while it waits.
    const slow = { ...plan, retry: { attempts: 5, baseMs: 1_000, capMs: 1_000 } };
    const result = outcome(runResilient(slow, {}));
    await settle();
    attempts[0]!.reject(unavailable());
    await settle();
    await vi.advanceTimersByTimeAsync(110);
    expect(result.error).toMatchObject({ code: 'TIMEOUT', details: { timeoutMs: 100 } });
    expect((result.error as StorageError).details).not.toHaveProperty('outcome');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(attempts).toHaveLength(1); // the pending backoff was cancelled
  });

  it('a grace period extends the deadline and is named in the TIMEOUT', async () => {
    const { plan } = setup({ timeoutMs: 100, policy: { graceMs: () => 50 } });
    const result = outcome(runResilient(plan, {}));
    await vi.advanceTimersByTimeAsync(149);
    expect(result.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(result.error).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('within 150 ms') });
  });

  it('a late answer of an abandoned attempt is ignored', async () => {
    const { plan, attempts } = setup({ timeoutMs: 100 });
    const result = outcome(runResilient(plan, {}));
    await vi.advanceTimersByTimeAsync(110);
    const error = result.error;
    attempts[0]!.resolve('late');
    await settle();
    expect(result.error).toBe(error);
    expect(result.value).toBeUndefined();
  });

  it('a zero backoff retries at once, without waiting for a timer; each retry is counted', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { plan, attempts, retries } = setup({ attempts: 3 });
    const result = outcome(runResilient(plan, {}));
    await Promise.resolve();
    attempts[0]!.reject(unavailable());
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(attempts).toHaveLength(2);
    expect(retries()).toBe(1);
    attempts[1]!.resolve('v');
    await settle();
    expect(result.value).toBe('v');
  });

  it('a positive backoff waits for its timer', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // floor(0.5 × 10) = 5 ms
    const { plan, attempts } = setup({ attempts: 3 });
    outcome(runResilient(plan, {}));
    await settle();
    attempts[0]!.reject(unavailable());
    await vi.advanceTimersByTimeAsync(4);
    expect(attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toHaveLength(2);
  });

  it('the last allowed attempt fails the call with its error; the breaker is told', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { plan, attempts, breaker, retries } = setup({ attempts: 2 });
    const result = outcome(runResilient(plan, {}));
    await settle();
    attempts[0]!.reject(unavailable());
    await settle();
    const last = unavailable();
    attempts[1]!.reject(last);
    await settle();
    expect(attempts).toHaveLength(2);
    expect(retries()).toBe(1);
    expect(result.error).toBe(last);
    expect(breaker!.state).toBe('open');
  });

  it('no retry for a non-idempotent request, a non-retryable error or a spent budget', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const cases = [
      setup({ policy: { idempotent: () => false } }),
      setup({ budget: new RetryBudget(0, 0, 10_000) }),
    ];
    for (const { plan, attempts, retries } of cases) {
      const result = outcome(runResilient(plan, {}));
      await settle();
      attempts[0]!.reject(unavailable());
      await settle();
      expect([attempts.length, retries(), (result.error as StorageError).code]).toEqual([1, 0, 'UNAVAILABLE']);
    }
    const { plan, attempts, retries } = setup();
    const result = outcome(runResilient(plan, {}));
    await settle();
    attempts[0]!.reject(new StorageError('NOT_FOUND', 'no'));
    await settle();
    expect([attempts.length, retries(), (result.error as StorageError).code]).toEqual([1, 0, 'NOT_FOUND']);
  });

  it('a success tells the breaker (a half-open probe closes it)', async () => {
    const { plan, attempts, breaker } = setup();
    breaker!.failed(unavailable());
    vi.advanceTimersByTime(1_000);
    expect(breaker!.state).toBe('halfOpen');
    const result = outcome(runResilient(plan, {}));
    await settle();
    attempts[0]!.resolve('v');
    await settle();
    expect(result.value).toBe('v');
    expect(breaker!.state).toBe('closed');
  });

  it('a caller abort releases a half-open probe and cancels a pending backoff', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { plan, attempts, breaker } = setup();
    breaker!.failed(unavailable());
    vi.advanceTimersByTime(1_000);
    const controller = new AbortController();
    const result = outcome(runResilient(plan, { signal: controller.signal }));
    await settle();
    expect(breaker!.admit()).toBe(false); // the probe is out
    attempts[0]!.reject(new StorageError('UNAVAILABLE', 'x', { retryable: true }));
    await settle();
    controller.abort();
    await vi.advanceTimersByTimeAsync(100);
    expect(attempts).toHaveLength(1);
    expect(result.error).toMatchObject({ code: 'UNAVAILABLE', retryable: false });
    expect(breaker!.admit()).toBe(true);
  });

  it('without a breaker, an already aborted caller signal is a rejection too, not a throw', async () => {
    const { plan, attempts } = setup({ breaker: 'none' });
    const controller = new AbortController();
    controller.abort();
    let result: ReturnType<typeof outcome> | undefined;
    expect(() => {
      result = outcome(runResilient(plan, { signal: controller.signal }));
    }).not.toThrow();
    await settle();
    expect(attempts).toEqual([]);
    expect(result!.error).toMatchObject({ code: 'UNAVAILABLE', retryable: false });
  });

  it('past a grace deadline, the call signal carries the TIMEOUT (not a bare abort)', async () => {
    const { plan, attempts } = setup({ timeoutMs: 100, policy: { graceMs: () => 50 } });
    const result = outcome(runResilient(plan, {}));
    await vi.advanceTimersByTimeAsync(150);
    expect(result.error).toMatchObject({ code: 'TIMEOUT' });
    expect(attempts[0]!.request.signal!.reason).toBe(result.error);
  });

  it('a late success of an attempt cut off by the deadline is not counted by the breaker', async () => {
    const runtime = { logger: { log: () => {} }, metrics: { circuitState: { bind: () => ({ set: () => {} }) } } };
    const breaker = new AdapterBreaker('pg', 'db', { errorRate: 0.8, volume: 3, halfOpenAfterMs: 1_000, windowMs: 60_000 }, runtime as never);
    const { plan, attempts } = setup({ timeoutMs: 100, breaker, attempts: 1 });
    const result = outcome(runResilient(plan, {}));
    await vi.advanceTimersByTimeAsync(110);
    expect(result.error).toMatchObject({ code: 'TIMEOUT' });
    attempts[0]!.resolve('late');
    await settle();
    breaker.failed(unavailable());
    breaker.failed(unavailable());
    expect(breaker.state).toBe('open'); // 3 of 3 failed; a counted late success would make it 3 of 4 (75%)
  });

  it('a late success of a probe whose caller gave up does not close the breaker', async () => {
    const { plan, attempts, breaker } = setup();
    breaker!.failed(unavailable());
    vi.advanceTimersByTime(1_000);
    const controller = new AbortController();
    const result = outcome(runResilient(plan, { signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(result.error).toMatchObject({ code: 'UNAVAILABLE' });
    attempts[0]!.resolve('late');
    await settle();
    expect(breaker!.state).toBe('halfOpen');
  });

  it('works without a breaker', async () => {
    const { plan, attempts } = setup({ breaker: 'none' });
    const result = outcome(runResilient(plan, {}));
    await settle();
    attempts[0]!.resolve('v');
    await settle();
    expect(result.value).toBe('v');
  });
});
