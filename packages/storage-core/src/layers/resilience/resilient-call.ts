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

/**
 * Runs one call through breaker → retry → deadline. The deadline (`timeoutMs`) bounds the whole call,
 * retries and backoffs included: when it passes, the call fails with TIMEOUT at once and the attempt
 * in flight is abandoned (its signal fires, so the adapter drops a stuck connection).
 *
 * One promise and one object per call on the healthy path: the deadline is a shared slot of the
 * plan's wheel (no timer, controller or listener of its own), the breaker is a counter, and the retry
 * loop exists only after a failure.
 */
export function runResilient(plan: CallPlan, request: Request): Promise<unknown> {
  const breaker = plan.breaker;
  if (breaker !== undefined && !breaker.admit()) return Promise.reject(breaker.openError(plan.site));
  const callerSignal = request.signal;
  if (callerSignal?.aborted === true) {
    breaker?.released();
    return Promise.reject(callerAbortError(callerSignal.reason, plan.site));
  }
  plan.budget.recordRequest();
  return new Promise((resolve, reject) => new ResilientCall(plan, request, resolve, reject).start());
}

class ResilientCall implements SlotMember {
  #attempt = 0;
  #live = false;
  #done = false;
  #slot: DeadlineSlot | undefined;
  #index = -1;
  #controller: AbortController | undefined;
  #signal: AbortSignal | undefined;
  #backoff: NodeJS.Timeout | undefined;
  #onCallerAbort: (() => void) | undefined;

  constructor(
    private readonly plan: CallPlan,
    private readonly request: Request,
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (reason: unknown) => void,
  ) {}

  start(): void {
    const signal = this.request.signal;
    if (signal !== undefined) {
      this.#onCallerAbort = () => this.#callerAborted();
      signal.addEventListener('abort', this.#onCallerAbort, { once: true });
    }
    // One deadline for the whole call, retries included: a retry runs only in the time that is left.
    const grace = this.plan.policy.graceMs?.(this.request as never) ?? 0;
    const slot = grace > 0 ? new DeadlineSlot(performance.now() + this.plan.wheel.timeoutMs + grace, () => undefined) : this.plan.wheel.current();
    this.#slot = slot;
    this.#index = slot.join(this);
    if (signal !== undefined || this.plan.ownSignal || grace > 0) this.#controller = new AbortController();
    this.#signal = this.#controller?.signal ?? slot.signal;
    this.#run();
  }

  expire(slot: DeadlineSlot): void {
    if (this.#done || slot !== this.#slot) return;
    const grace = this.plan.policy.graceMs?.(this.request as never) ?? 0;
    const error = deadlineError(this.plan.site, this.plan.wheel.timeoutMs + grace, this.plan.write && this.#live);
    this.#live = false;
    clearTimeout(this.#backoff);
    this.#controller?.abort(error);
    this.#finish();
    this.plan.breaker?.failed(error);
    this.reject(error);
  }

  #run(): void {
    this.#backoff = undefined;
    const n = ++this.#attempt;
    this.#live = true;
    let pending: Promise<unknown>;
    try {
      pending = this.plan.call({ ...this.request, signal: this.#signal });
    } catch (error) {
      pending = Promise.reject(error);
    }
    // A late answer or failure of an abandoned attempt is ignored (never an unhandled rejection).
    pending.then(
      (value) => this.#settled(n, true, value),
      (error: unknown) => this.#settled(n, false, error),
    );
  }

  #settled(n: number, ok: boolean, value: unknown): void {
    if (n !== this.#attempt || !this.#live) return;
    this.#live = false;
    if (!ok) return this.#failed(value);
    this.#finish();
    this.plan.breaker?.succeeded();
    this.resolve(value);
  }

  #failed(error: unknown): void {
    if (this.#done) return;
    const { plan } = this;
    if (
      this.#attempt < plan.retry.attempts &&
      isRetryable(error) &&
      plan.policy.idempotent(this.request as never) &&
      plan.budget.tryRetry()
    ) {
      plan.onRetry();
      const delay = backoffDelay(this.#attempt, plan.retry);
      if (delay <= 0) return this.#run();
      this.#backoff = setTimeout(() => this.#run(), delay);
      return;
    }
    this.#finish();
    plan.breaker?.failed(error);
    this.reject(error);
  }

  #callerAborted(): void {
    if (this.#done) return;
    const reason = this.request.signal?.reason;
    this.#live = false;
    clearTimeout(this.#backoff);
    this.#controller?.abort(reason);
    this.#finish();
    this.plan.breaker?.released();
    this.reject(callerAbortError(reason, this.plan.site));
  }

  #finish(): void {
    this.#done = true;
    this.#slot?.leave(this.#index);
    if (this.#onCallerAbort !== undefined) this.request.signal?.removeEventListener('abort', this.#onCallerAbort);
  }
}
