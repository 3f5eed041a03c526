import CircuitBreaker from 'opossum';
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

// Only failures that say the backend is unwell count; NOT_FOUND, PRECONDITION_FAILED, ACCESS_DENIED
// and the like are answers, and a healthy backend gives them.
const BACKEND_FAILURES: ReadonlySet<string> = new Set(['TIMEOUT', 'UNAVAILABLE', 'INTERNAL']);

/** True when `error` counts against the breaker. */
export function isBackendFailure(error: unknown): boolean {
  return isStorageError(error) ? BACKEND_FAILURES.has(error.code) : true;
}

type Thunk = () => Promise<unknown>;

/** One breaker per adapter instance, shared by its namespaces; wraps opossum. */
export class AdapterBreaker {
  readonly #breaker: CircuitBreaker<[Thunk], unknown>;
  readonly #adapter: string;
  readonly #settings: BreakerSettings;
  #reason = '';
  #state: keyof typeof CIRCUIT_STATE = 'closed';

  constructor(adapter: string, instance: string, settings: BreakerSettings, runtime: LayerRuntime) {
    this.#adapter = adapter;
    this.#settings = settings;
    this.#breaker = new CircuitBreaker<[Thunk], unknown>((thunk) => thunk(), {
      name: instance,
      timeout: false, // deadlines are the timeout step's job, inside the retries
      errorThresholdPercentage: settings.errorRate * 100,
      volumeThreshold: settings.volume,
      resetTimeout: settings.halfOpenAfterMs,
      rollingCountTimeout: settings.windowMs,
      rollingCountBuckets: 10,
      enableSnapshots: false,
      rollingPercentilesEnabled: false, // latency percentiles cost more per call than we can spend
      errorFilter: (error: unknown) => !isBackendFailure(error),
    });
    const gauge = runtime.metrics.circuitState.bind({ adapter });
    gauge.set(CIRCUIT_STATE.closed);
    const transition = (to: keyof typeof CIRCUIT_STATE, level: 'warn' | 'info', reason: () => string): void => {
      const why = reason();
      this.#state = to;
      gauge.set(CIRCUIT_STATE[to]);
      runtime.logger.log({ event: 'storage.circuit', level, adapter, instance, state: to, reason: why });
    };
    this.#breaker.on('failure', (error: unknown) => {
      this.#reason = isStorageError(error) ? `${error.code}: ${error.message}` : String(error);
    });
    this.#breaker.on('open', () => transition('open', 'warn', () => this.#openReason()));
    this.#breaker.on('halfOpen', () => transition('halfOpen', 'info', () => `${settings.halfOpenAfterMs} ms open; letting one probe call through`));
    this.#breaker.on('close', () => transition('closed', 'info', () => 'probe call succeeded'));
  }

  /** Runs `thunk` through the breaker; while open, fails at once with CIRCUIT_OPEN (retryable). */
  async fire<T>(thunk: () => Promise<T>, site: CallSite): Promise<T> {
    try {
      return (await this.#breaker.fire(thunk)) as T;
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === 'EOPENBREAKER') {
        throw new StorageError(
          'CIRCUIT_OPEN',
          `${site.operation} was not sent: the circuit breaker of adapter "${this.#adapter}" is open after repeated failures; retry after ${this.#settings.halfOpenAfterMs} ms`,
          { ...site, retryable: true },
        );
      }
      throw error;
    }
  }

  /** Stops the breaker's timers (client close). */
  shutdown(): void {
    this.#breaker.shutdown();
  }

  #openReason(): string {
    const { fires, failures } = this.#breaker.stats;
    if (this.#state === 'halfOpen' || fires === 0) return `probe call failed (${this.#reason})`;
    return `${failures} of ${fires} calls failed in ${this.#settings.windowMs} ms (threshold ${this.#settings.errorRate * 100}%); last: ${this.#reason}`;
  }
}
