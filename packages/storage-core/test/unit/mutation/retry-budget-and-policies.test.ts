import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDEMPOTENCY_KEY_HEADER, StorageError } from '../../../src/index.js';
import { callerAbortError, deadlineError } from '../../../src/layers/resilience/deadline.js';
import { BLOB_POLICIES, RECORD_POLICIES, STREAM_POLICIES } from '../../../src/layers/resilience/policy.js';
import { RetryBudget } from '../../../src/layers/resilience/retry-budget.js';
import { backoffDelay, isRetryable } from '../../../src/layers/resilience/retry.js';

// Which calls may be retried, how often, after how long, and what a deadline or an abort reports.
const site = { operation: 'records.put', namespace: 'ns', adapter: 'pg' };

afterEach(() => vi.useRealTimers());

describe('retry budget', () => {
  function budget(share: number, minPerWindow: number, windowMs = 1_000) {
    let clock = 0;
    return { budget: new RetryBudget(share, minPerWindow, windowMs, () => clock), advance: (ms: number) => (clock += ms) };
  }

  it('allows retries up to share × requests + minPerWindow, inclusive', () => {
    const { budget: b } = budget(0.5, 1);
    for (let i = 0; i < 4; i++) b.recordRequest();
    // 0.5 × 4 + 1 = 3 retries
    expect([b.tryRetry(), b.tryRetry(), b.tryRetry(), b.tryRetry()]).toEqual([true, true, true, false]);
  });

  it('a quiet service still gets minPerWindow retries', () => {
    const { budget: b } = budget(0.1, 2);
    expect([b.tryRetry(), b.tryRetry(), b.tryRetry()]).toEqual([true, true, false]);
  });

  it('refused retries are not counted', () => {
    const { budget: b } = budget(1, 1);
    expect(b.tryRetry()).toBe(true);
    expect(b.tryRetry()).toBe(false);
    b.recordRequest(); // now 1 × 1 + 1 = 2 allowed, 1 taken
    expect(b.tryRetry()).toBe(true);
    expect(b.tryRetry()).toBe(false);
  });

  it('spent retries come back once they leave the window, bucket by bucket', () => {
    const { budget: b, advance } = budget(0, 2, 1_000);
    expect(b.tryRetry()).toBe(true);
    advance(500);
    expect(b.tryRetry()).toBe(true);
    expect(b.tryRetry()).toBe(false);
    advance(499); // the first retry is 999 ms old: still inside
    expect(b.tryRetry()).toBe(false);
    advance(1); // now 1000 ms old: gone
    expect(b.tryRetry()).toBe(true);
    expect(b.tryRetry()).toBe(false);
    advance(10_000); // everything gone
    expect([b.tryRetry(), b.tryRetry(), b.tryRetry()]).toEqual([true, true, false]);
  });

  it('requests leave the window too, taking their share of the budget with them', () => {
    const { budget: b, advance } = budget(1, 0, 1_000);
    b.recordRequest();
    advance(1_000);
    expect(b.tryRetry()).toBe(false);
    b.recordRequest();
    expect(b.tryRetry()).toBe(true);
  });

  it('by default the window runs on performance.now()', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const b = new RetryBudget(0, 1, 1_000);
    expect(b.tryRetry()).toBe(true);
    expect(b.tryRetry()).toBe(false);
    vi.advanceTimersByTime(1_000);
    expect(b.tryRetry()).toBe(true);
  });

  it('a request recorded with a reading older than the window start does not move the window back', () => {
    const { budget: b, advance } = budget(0, 2, 1_000);
    advance(1_500);
    expect([b.tryRetry(), b.tryRetry()]).toEqual([true, true]);
    b.recordRequest(0); // a reading the caller took earlier
    expect(b.tryRetry()).toBe(false); // the two retries are still in the window
  });

  it('a window shorter than ten buckets uses 1 ms buckets', () => {
    const { budget: b, advance } = budget(0, 1, 5);
    expect(b.tryRetry()).toBe(true);
    advance(9);
    expect(b.tryRetry()).toBe(false);
    advance(1);
    expect(b.tryRetry()).toBe(true);
  });
});

describe('backoff and retryability', () => {
  it('full jitter under min(capMs, baseMs × 2^(n-1))', () => {
    const settings = { attempts: 5, baseMs: 10, capMs: 50 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, settings, () => 0.5))).toEqual([5, 10, 20, 25, 25]);
  });

  it('retries retryable StorageErrors, never CIRCUIT_OPEN, never other errors', () => {
    expect(isRetryable(new StorageError('UNAVAILABLE', 'x'))).toBe(true);
    expect(isRetryable(new StorageError('UNAVAILABLE', 'x', { retryable: false }))).toBe(false);
    expect(isRetryable(new StorageError('CIRCUIT_OPEN', 'x', { retryable: true }))).toBe(false);
    expect(isRetryable(new StorageError('NOT_FOUND', 'x'))).toBe(false);
    expect(isRetryable(new Error('x'))).toBe(false);
  });
});

describe('operation policies', () => {
  const idempotent = (policy: { idempotent: (r: never) => boolean } | undefined, request: unknown) => policy!.idempotent(request as never);

  it('record reads are retried; writes only in their conditional form', () => {
    for (const op of ['get', 'list', 'getMany']) expect([op, RECORD_POLICIES[op]!.timeout, idempotent(RECORD_POLICIES[op], {})]).toEqual([op, 'read', true]);
    expect(RECORD_POLICIES['put']!.timeout).toBe('write');
    expect(idempotent(RECORD_POLICIES['put'], { key: 'k' })).toBe(false);
    expect(idempotent(RECORD_POLICIES['put'], { key: 'k', ifMatch: 'e' })).toBe(true);
    expect(idempotent(RECORD_POLICIES['put'], { key: 'k', ifNoneMatch: '*' })).toBe(true);
    expect(idempotent(RECORD_POLICIES['delete'], { key: 'k' })).toBe(false);
    expect(idempotent(RECORD_POLICIES['delete'], { key: 'k', ifMatch: 'e' })).toBe(true);
    expect(idempotent(RECORD_POLICIES['putMany'], { entries: [{ ifMatch: 'e' }, { ifNoneMatch: '*' }] })).toBe(true);
    expect(idempotent(RECORD_POLICIES['putMany'], { entries: [{ ifMatch: 'e' }, {}] })).toBe(false);
    expect(idempotent(RECORD_POLICIES['deleteMany'], { keys: ['a'] })).toBe(false);
    for (const op of ['delete', 'putMany', 'deleteMany']) expect(RECORD_POLICIES[op]!.timeout).toBe('write');
  });

  it('blob puts are retried only with a byte body; gets get their own signal', () => {
    expect(BLOB_POLICIES['put']!.timeout).toBe('transfer');
    expect(idempotent(BLOB_POLICIES['put'], { body: new Uint8Array(1) })).toBe(true);
    expect(idempotent(BLOB_POLICIES['put'], { body: Readable.from(['x']) })).toBe(false);
    expect(BLOB_POLICIES['get']).toMatchObject({ timeout: 'read', ownSignal: true });
    expect(idempotent(BLOB_POLICIES['get'], {})).toBe(true);
    for (const op of ['head', 'list', 'presign']) expect([op, BLOB_POLICIES[op]!.timeout, BLOB_POLICIES[op]!.ownSignal, idempotent(BLOB_POLICIES[op], {})]).toEqual([op, 'read', undefined, true]);
    expect(BLOB_POLICIES['delete']!.timeout).toBe('write');
    expect(idempotent(BLOB_POLICIES['delete'], {})).toBe(false);
    expect(idempotent(BLOB_POLICIES['delete'], { ifMatch: 'e' })).toBe(true);
  });

  it('a publish is retried only when every message carries an idempotency key, and may wait its own timeoutMs', () => {
    const publish = STREAM_POLICIES['publish']!;
    expect(IDEMPOTENCY_KEY_HEADER).toBe('idempotency-key');
    expect(publish.timeout).toBe('write');
    const keyed = { headers: { 'idempotency-key': 'a' } };
    expect(idempotent(publish, { messages: [keyed, keyed] })).toBe(true);
    expect(idempotent(publish, { messages: [keyed, {}] })).toBe(false);
    expect(idempotent(publish, { messages: [keyed, { headers: { other: 'x' } }] })).toBe(false);
    expect(publish.graceMs!({ timeoutMs: 250 } as never)).toBe(250);
    expect(publish.graceMs!({} as never)).toBe(0);
  });
});

describe('deadline and abort errors', () => {
  it('a read past its deadline is a retryable TIMEOUT with the timeout in details', () => {
    const error = deadlineError({ ...site, operation: 'records.get' }, 250, false);
    expect(error).toMatchObject({
      code: 'TIMEOUT',
      retryable: true,
      operation: 'records.get',
      namespace: 'ns',
      adapter: 'pg',
      message: 'records.get got no answer from pg within 250 ms (resilience.timeoutMs); the call was abandoned',
      details: { timeoutMs: 250 },
    });
    expect(error.details).not.toHaveProperty('outcome');
  });

  it('a write past its deadline says its outcome is unknown', () => {
    expect(deadlineError(site, 250, true)).toMatchObject({
      code: 'TIMEOUT',
      message:
        'records.put got no answer from pg within 250 ms (resilience.timeoutMs); the call was abandoned; the write may or may not have been applied (details.outcome = "unknown")',
      details: { outcome: 'unknown', timeoutMs: 250 },
    });
  });

  it("a caller's timeout signal is a TIMEOUT, any other abort UNAVAILABLE; neither is retried", () => {
    const timeout = new DOMException('t', 'TimeoutError');
    const timedOut = callerAbortError(Object.assign(new Error('t'), { name: 'TimeoutError' }), site);
    expect(timedOut).toMatchObject({ code: 'TIMEOUT', retryable: false, message: "records.put was timed out by the caller's signal", operation: 'records.put' });
    expect(callerAbortError(timeout, site).code).toBe('TIMEOUT'); // AbortSignal.timeout's reason
    const reason = new Error('user left');
    const aborted = callerAbortError(reason, site);
    expect(aborted).toMatchObject({ code: 'UNAVAILABLE', retryable: false, message: "records.put was aborted by the caller's signal", namespace: 'ns', adapter: 'pg' });
    expect(aborted.cause).toBe(reason);
    expect(callerAbortError('plain reason', site).code).toBe('UNAVAILABLE');
    expect(callerAbortError({ name: 'TimeoutError' }, site).code).toBe('UNAVAILABLE'); // not an Error
  });
});
