import { StorageError, createMemoryRecordStore, isStorageError, type AdapterFactory, type RecordStore, type StorageErrorCode } from '../../src/spi/index.js';
import type { StorageMetrics } from '../../src/index.js';

/** What the next call of a scripted operation does. */
export type Step = 'ok' | 'stall' | StorageErrorCode;

/** A record store whose operations follow a script, recording when they were called and with which signal. */
export interface ScriptedStore {
  readonly factory: AdapterFactory;
  /** `performance.now()` of every adapter call (all operations). */
  readonly calls: number[];
  readonly signals: AbortSignal[];
  /** Steps consumed in order; when empty, `fallback` applies. */
  readonly script: Step[];
  fallback: Step;
}

/** A scripted record store over core's memory store, registered under the adapter name `scripted`. */
export function scriptedStore(): ScriptedStore {
  const inner = createMemoryRecordStore();
  const state: ScriptedStore = {
    factory: undefined as never,
    calls: [],
    signals: [],
    script: [],
    fallback: 'ok',
  };
  const step = async <T>(request: { readonly signal?: AbortSignal }, run: () => Promise<T>): Promise<T> => {
    state.calls.push(performance.now());
    if (request.signal !== undefined) state.signals.push(request.signal);
    const next = state.script.shift() ?? state.fallback;
    if (next === 'stall') return new Promise<T>(() => {}); // a driver that never answers, whatever the signal says
    if (next !== 'ok') throw new StorageError(next, `scripted ${next}`, { adapter: 'scripted' });
    return run();
  };
  const store: RecordStore = {
    kind: 'record',
    name: 'scripted',
    capabilities: inner.capabilities,
    get: (r) => step(r, () => inner.get(r)),
    put: (r) => step(r, () => inner.put(r)),
    delete: (r) => step(r, () => inner.delete(r)),
    list: (r) => step(r, () => inner.list(r)),
  };
  return Object.assign(state, {
    factory: {
      kind: 'record',
      name: 'scripted',
      optionsSchema: { '~standard': { version: 1, vendor: 't', validate: (value: unknown) => ({ value }) } },
      create: () => store,
    } as AdapterFactory,
  });
}

/** Metrics that remember counter totals and gauge values by series. */
export function recordingMetrics(): StorageMetrics & { readonly counts: Map<string, number>; readonly gauges: Map<string, number> } {
  const counts = new Map<string, number>();
  const gauges = new Map<string, number>();
  const series = (name: string) => ({
    bind: (labels: object) => {
      const key = `${name}${JSON.stringify(labels)}`;
      return {
        inc: (v = 1) => counts.set(key, (counts.get(key) ?? 0) + v),
        observe: () => {},
        set: (v: number) => gauges.set(key, v),
      };
    },
  });
  return {
    counts,
    gauges,
    requestsTotal: series('requests'),
    errorsTotal: series('errors'),
    retriesTotal: series('retries'),
    durationSeconds: series('duration'),
    payloadBytes: series('payload'),
    cacheRequestsTotal: series('cache'),
    circuitState: series('circuit'),
    consistencyViolationsTotal: series('consistency'),
  };
}

/** Sum of a recorded counter over every label set. */
export function total(metrics: { readonly counts: Map<string, number> }, name: string): number {
  let sum = 0;
  for (const [key, value] of metrics.counts) if (key.startsWith(`${name}{`)) sum += value;
  return sum;
}

/** The StorageError `promise` rejects with; fails the test when it resolves or throws something else. */
export async function failure(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
