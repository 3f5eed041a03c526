import type { AdapterBreaker } from './breaker.js';
import { callerAbortError, deadlineError, type CallSite } from './deadline.js';
import { DeadlineSlot, type DeadlineWheel, type SlotMember } from './deadline-wheel.js';
import type { OperationPolicy } from './policy.js';
import type { RetryBudget } from './retry-budget.js';
import { backoffDelay, isRetryable, type BackoffSettings } from './retry.js';

type Request = { readonly signal?: AbortSignal | undefined };

/** Everything one wrapped method shares across its calls. */
export interface CallPlan {
  readonly call: (request: Request) => Promise<unknown>;
  readonly site: CallSite;
  readonly policy: OperationPolicy;
  readonly wheel: DeadlineWheel;
  /** A write: a timed-out attempt's outcome is unknown. */
  readonly write: boolean;
  /** The result outlives the call (a blob body): give each attempt a signal of its own. */
  readonly ownSignal: boolean;
  readonly retry: BackoffSettings;
  readonly budget: RetryBudget;
  readonly breaker: AdapterBreaker | undefined;
  /** Called once per retry, before its backoff (feeds `storage_retries_total`). */
  readonly onRetry: () => void;
}

const NO_REASON = (): undefined => undefined;

/**
 * Runs one call through breaker → retry → deadline. The deadline (`timeoutMs`) bounds the whole call,
 * retries and backoffs included: when it passes, the call fails with TIMEOUT at once and the attempt
 * in flight is abandoned (its signal fires, so the adapter drops a stuck connection).
 *
 * On the healthy path a call costs one clock read, one promise, one object and the adapter request
 * with the signal added: the deadline is a shared slot of the plan's wheel (no timer, controller or
 * listener of its own), the breaker and the budget are counters fed that clock reading, and the retry
 * loop exists only after a failure (ADR 011).
 */
export function runResilient(plan: CallPlan, request: Request): Promise<unknown> {
  const breaker = plan.breaker;
  if (breaker !== undefined && !breaker.admit()) return Promise.reject(breaker.openError(plan.site));
  const callerSignal = request.signal;
  if (callerSignal?.aborted === true) {
    breaker?.released();
    return Promise.reject(callerAbortError(callerSignal.reason, plan.site));
  }
  const now = performance.now();
  plan.budget.recordRequest(now);
  return new Promise((resolve, reject) => {
    new ResilientCall(plan, request, now, resolve, reject).start();
  });
}

class ResilientCall implements SlotMember {
  // Plain fields, all set here, so every call object has one shape.
  private attempt = 0;
  private live = false;
  private done = false;
  private slot: DeadlineSlot | undefined = undefined;
  private index = -1;
  private grace = 0;
  private controller: AbortController | undefined = undefined;
  private signal: AbortSignal | undefined = undefined;
  private backoff: NodeJS.Timeout | undefined = undefined;
  private onCallerAbort: (() => void) | undefined = undefined;

  constructor(
    private readonly plan: CallPlan,
    private readonly request: Request,
    private readonly startedAt: number,
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (reason: unknown) => void,
  ) {}

  start(): void {
    const { plan, request } = this;
    const callerSignal = request.signal;
    if (callerSignal !== undefined) {
      this.onCallerAbort = () => this.callerAborted();
      callerSignal.addEventListener('abort', this.onCallerAbort, { once: true });
    }
    // One deadline for the whole call, retries included: a retry runs only in the time that is left.
    const graceMs = plan.policy.graceMs;
    const grace = graceMs === undefined ? 0 : graceMs(request as never);
    this.grace = grace;
    const slot = grace > 0 ? new DeadlineSlot(plan.wheel.timeoutMs + grace, NO_REASON) : plan.wheel.current(this.startedAt);
    this.slot = slot;
    this.index = slot.join(this);
    if (callerSignal !== undefined || plan.ownSignal || grace > 0) {
      this.controller = new AbortController();
      this.signal = this.controller.signal;
    } else {
      this.signal = slot.signal;
    }
    this.run();
  }

  expire(slot: DeadlineSlot): void {
    if (this.done || slot !== this.slot) return;
    const error = deadlineError(this.plan.site, this.plan.wheel.timeoutMs + this.grace, this.plan.write && this.live);
    this.live = false;
    clearTimeout(this.backoff);
    this.controller?.abort(error);
    this.finish();
    this.plan.breaker?.failed(error);
    this.reject(error);
  }

  private run(): void {
    this.backoff = undefined;
    const n = ++this.attempt;
    this.live = true;
    const signal = this.signal;
    // The signal goes first: in V8 (Node 20) `{ ...request, signal }` costs ~1 µs per call (the
    // clone's map then gains a property), `{ signal, ...request }` tens of ns. A request that has a
    // `signal` of its own (the caller's, which the call's signal follows) gets it replaced after.
    const attempt = { signal, ...this.request };
    if (attempt.signal !== signal) (attempt as { signal: AbortSignal | undefined }).signal = signal;
    let pending: Promise<unknown>;
    try {
      pending = this.plan.call(attempt);
    } catch (error) {
      pending = Promise.reject(error);
    }
    // A late answer or failure of an abandoned attempt is ignored (never an unhandled rejection).
    pending.then(
      (value) => this.settled(n, true, value),
      (error: unknown) => this.settled(n, false, error),
    );
  }

  private settled(n: number, ok: boolean, value: unknown): void {
    if (n !== this.attempt || !this.live) return;
    this.live = false;
    if (!ok) return this.failed(value);
    this.finish();
    this.plan.breaker?.succeeded(this.startedAt);
    this.resolve(value);
  }

  private failed(error: unknown): void {
    if (this.done) return;
    const { plan } = this;
    if (
      this.attempt < plan.retry.attempts &&
      isRetryable(error) &&
      plan.policy.idempotent(this.request as never) &&
      plan.budget.tryRetry()
    ) {
      plan.onRetry();
      const delay = backoffDelay(this.attempt, plan.retry);
      if (delay <= 0) return this.run();
      this.backoff = setTimeout(() => this.run(), delay);
      return;
    }
    this.finish();
    plan.breaker?.failed(error);
    this.reject(error);
  }

  private callerAborted(): void {
    if (this.done) return;
    const reason = this.request.signal?.reason;
    this.live = false;
    clearTimeout(this.backoff);
    this.controller?.abort(reason);
    this.finish();
    this.plan.breaker?.released();
    this.reject(callerAbortError(reason, this.plan.site));
  }

  private finish(): void {
    this.done = true;
    this.slot?.leave(this.index);
    if (this.onCallerAbort !== undefined) this.request.signal?.removeEventListener('abort', this.onCallerAbort);
  }
}
