import { StorageError, isStorageError } from '../../errors/index.js';
import type { LayerRuntime } from '../layer.js';
import type { CallSite } from './deadline.js';

/** The breaker settings of `resilience.breaker`. */
export interface BreakerSettings {
  readonly errorRate: number;
  readonly volume: number;
  readonly halfOpenAfterMs: number;
  readonly windowMs: number;
}

/** `storage_circuit_state` values. */
export const CIRCUIT_STATE = { closed: 0, halfOpen: 1, open: 2 } as const;

type State = keyof typeof CIRCUIT_STATE;

// Only failures that say the backend is unwell count; NOT_FOUND, PRECONDITION_FAILED, ACCESS_DENIED
// and the like are answers, and a healthy backend gives them.
const BACKEND_FAILURES: ReadonlySet<string> = new Set(['TIMEOUT', 'UNAVAILABLE', 'INTERNAL']);

/** True when `error` counts against the breaker. */
export function isBackendFailure(error: unknown): boolean {
  return isStorageError(error) ? BACKEND_FAILURES.has(error.code) : true;
}

const BUCKETS = 10;

/**
 * One breaker per adapter instance, shared by its namespaces. Closed: counts calls and failures over
 * a rolling window (ten buckets) and opens when failures / calls > `errorRate` once the window holds
 * `volume` calls. Open: every call fails at once with CIRCUIT_OPEN. After `halfOpenAfterMs` it is
 * half-open: one probe call goes through; its success closes the breaker, its failure opens it again.
 *
 * The semantics are opossum's (errorThresholdPercentage, volumeThreshold, resetTimeout,
 * rollingCountTimeout); the bookkeeping is ours because opossum's `fire()` (events, its own promise,
 * a semaphore per call) cost more than the 3% budget of the whole layer on a healthy store (ADR 011).
 */
export class AdapterBreaker {
  readonly #adapter: string;
  readonly #instance: string;
  readonly #settings: BreakerSettings;
  readonly #runtime: LayerRuntime;
  readonly #gauge: { set(value: number): void };
  readonly #now: () => number;
  readonly #calls = new Array<number>(BUCKETS).fill(0);
  readonly #failures = new Array<number>(BUCKETS).fill(0);
  readonly #bucketMs: number;
  #bucketStart: number;
  #current = 0;
  #state: State = 'closed';
  #probing = false;
  #reason = '';
  #timer: NodeJS.Timeout | undefined;

  /**
   * `now` is the clock of the rolling window (monotonic by default); `succeeded` may be given a
   * reading of it the caller already took.
   */
  constructor(adapter: string, instance: string, settings: BreakerSettings, runtime: LayerRuntime, now: () => number = () => performance.now()) {
    this.#now = now;
    this.#adapter = adapter;
    this.#instance = instance;
    this.#settings = settings;
    this.#runtime = runtime;
    this.#bucketMs = Math.max(1, Math.floor(settings.windowMs / BUCKETS));
    this.#bucketStart = now();
    this.#gauge = runtime.metrics.circuitState.bind({ adapter });
    this.#gauge.set(CIRCUIT_STATE.closed);
  }

  /** The current state. */
  get state(): State {
    return this.#state;
  }

  /**
   * Whether a call may go to the backend now. Closed: yes. Open: no. Half-open: yes for the one probe
   * (then no until it ends). Every admitted call must end with `succeeded`, `failed` or `released`.
   */
  admit(): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open' || this.#probing) return false;
    this.#probing = true;
    return true;
  }

  /** The error of a call turned away by `admit`. */
  openError(site: CallSite): StorageError {
    return new StorageError(
      'CIRCUIT_OPEN',
      `${site.operation} was not sent: the circuit breaker of adapter "${this.#adapter}" is open after repeated failures; retry after ${this.#settings.halfOpenAfterMs} ms`,
      { ...site, retryable: true },
    );
  }

  /** An admitted call (started at `now`) got an answer (an error that is an answer counts as one). */
  succeeded(now: number = this.#now()): void {
    if (this.#state === 'halfOpen') {
      this.#probing = false;
      this.#reset();
      this.#transition('closed', 'info', 'probe call succeeded');
      return;
    }
    this.#rotate(now);
    this.#calls[this.#current]! += 1;
  }

  /** An admitted call failed with `error`. */
  failed(error: unknown): void {
    if (!isBackendFailure(error)) return this.succeeded();
    this.#reason = isStorageError(error) ? `${error.code}: ${error.message}` : String(error);
    if (this.#state === 'halfOpen') {
      this.#probing = false;
      this.#open(`probe call failed (${this.#reason})`);
      return;
    }
    if (this.#state === 'open') return; // a call admitted before the breaker opened
    this.#rotate(this.#now());
    this.#calls[this.#current]! += 1;
    this.#failures[this.#current]! += 1;
    const calls = sum(this.#calls);
    const failures = sum(this.#failures);
    if (calls >= this.#settings.volume && failures / calls > this.#settings.errorRate) {
      this.#open(`${failures} of ${calls} calls failed in ${this.#settings.windowMs} ms (threshold ${this.#settings.errorRate * 100}%); last: ${this.#reason}`);
    }
  }

  /** An admitted call ended without telling anything about the backend (its caller gave up). */
  released(): void {
    if (this.#state === 'halfOpen') this.#probing = false;
  }

  /** Stops the half-open timer (client close). */
  shutdown(): void {
    clearTimeout(this.#timer);
  }

  #open(reason: string): void {
    this.#transition('open', 'warn', reason);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#state !== 'open') return;
      this.#transition('halfOpen', 'info', `${this.#settings.halfOpenAfterMs} ms open; letting one probe call through`);
    }, this.#settings.halfOpenAfterMs);
    this.#timer.unref();
  }

  #transition(to: State, level: 'warn' | 'info', reason: string): void {
    this.#state = to;
    this.#gauge.set(CIRCUIT_STATE[to]);
    this.#runtime.logger.log({ event: 'storage.circuit', level, adapter: this.#adapter, instance: this.#instance, state: to, reason });
  }

  #reset(): void {
    this.#calls.fill(0);
    this.#failures.fill(0);
    this.#bucketStart = this.#now();
    this.#current = 0;
  }

  #rotate(now: number): void {
    const elapsed = Math.floor((now - this.#bucketStart) / this.#bucketMs);
    if (elapsed <= 0) return;
    for (let i = 0; i < Math.min(elapsed, BUCKETS); i++) {
      this.#current = (this.#current + 1) % BUCKETS;
      this.#calls[this.#current] = 0;
      this.#failures[this.#current] = 0;
    }
    this.#bucketStart += elapsed * this.#bucketMs;
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
