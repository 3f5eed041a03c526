import { describe, expect, it, vi } from 'vitest';
import { createChaosControl, createStorageClient, parseConfig, type ChaosControl, type LogEvent, type ResilienceConfigInput } from '../../src/index.js';
import { failure, recordingMetrics, scriptedStore } from '../support/scripted-store.js';

function client(resilience: ResilienceConfigInput, chaos?: ChaosControl) {
  const store = scriptedStore();
  const metrics = recordingMetrics();
  const logs: LogEvent[] = [];
  const storage = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { db: { use: 'scripted', resilience: { enabled: true, ...resilience } } },
      namespaces: { n: { kind: 'record', adapter: 'db' }, m: { kind: 'record', adapter: 'db' } },
    },
    { adapters: [store.factory], metrics, logger: { log: (e) => logs.push(e) }, ...(chaos === undefined ? {} : { chaos }) },
  );
  return { store, metrics, logs, records: storage.records<string>('n'), other: storage.records<string>('m') };
}

const circuit = (metrics: ReturnType<typeof recordingMetrics>) => metrics.gauges.get('circuit{"adapter":"scripted"}');

describe('deadline', () => {
  it('ends a call the driver never answers at its timeout, and aborts the signal the adapter got', async () => {
    const { store, records } = client({ timeoutMs: { read: 100 }, retry: { attempts: 1 } });
    store.script.push('stall');
    const started = performance.now();
    const error = await failure(records.find('k'));
    const took = performance.now() - started;
    expect(error.code).toBe('TIMEOUT');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/within 100 ms/);
    expect(took).toBeGreaterThanOrEqual(95);
    expect(took).toBeLessThan(100 + 100);
    expect(store.signals[0]?.aborted).toBe(true); // the adapter can discard its stuck connection
  });

  it("ends a stuck call at the caller's signal, before the configured timeout", async () => {
    const { store, records } = client({ timeoutMs: { read: 5000 }, retry: { attempts: 1 } });
    store.fallback = 'stall';
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect((await failure(records.find('k', { signal: controller.signal }))).code).toBe('UNAVAILABLE');
    expect((await failure(records.find('k', { signal: AbortSignal.timeout(50) }))).code).toBe('TIMEOUT');
    expect(store.signals.every((s) => s.aborted)).toBe(true);
  });

  it('bounds the whole call, retries and backoff included: a retry runs only in the time left', async () => {
    const { store, records } = client({ timeoutMs: { read: 150 }, retry: { attempts: 5, baseMs: 100, capMs: 1000, minPerWindow: 10 }, breaker: { enabled: false } });
    store.script.push('UNAVAILABLE');
    store.fallback = 'ok';
    expect(await records.find('k')).toBeUndefined(); // a fast failure is retried within the deadline
    expect(store.calls).toHaveLength(2);
    store.calls.length = 0;
    store.fallback = 'UNAVAILABLE';
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999); // backoffs of 99 and 199 ms
    const started = performance.now();
    const error = await failure(records.find('k'));
    const took = performance.now() - started;
    random.mockRestore();
    expect(error.code).toBe('TIMEOUT'); // the deadline passed during a backoff
    expect(took).toBeLessThan(150 + 10 + 50);
    expect(store.calls.length).toBeLessThan(5);
  });

  it('is off with enabled: false (no deadline, no retry)', async () => {
    const { store, records } = client({ enabled: false, timeoutMs: { read: 20 } });
    store.script.push('UNAVAILABLE', 'stall');
    await failure(records.find('k'));
    expect(store.calls).toHaveLength(1);
    const outcome = await Promise.race([records.find('k').then(() => 'answered'), new Promise((r) => setTimeout(() => r('still waiting'), 150))]);
    expect(outcome).toBe('still waiting');
  });
});

describe('circuit breaker', () => {
  const breaker = { errorRate: 0.5, volume: 5, halfOpenAfterMs: 200 };

  it('opens on backend failures, fails fast with CIRCUIT_OPEN, probes half-open and closes on success', async () => {
    const { store, records, other, metrics, logs } = client({ retry: { attempts: 1 }, breaker });
    expect(circuit(metrics)).toBe(0);
    store.fallback = 'UNAVAILABLE';
    for (let i = 0; i < 6; i++) await failure(records.find('k'));
    expect(circuit(metrics)).toBe(2);
    const calls = store.calls.length;
    const open = await failure(other.find('k')); // same adapter instance, other namespace: same breaker
    expect(open.code).toBe('CIRCUIT_OPEN');
    expect(open.retryable).toBe(true);
    expect(open.message).toMatch(/circuit breaker of adapter "scripted" is open/);
    expect(store.calls.length).toBe(calls); // never reached the adapter
    const opened = logs.find((e) => e.event === 'storage.circuit' && e['state'] === 'open');
    expect(opened).toMatchObject({ level: 'warn', adapter: 'scripted', instance: 'db' });
    expect(String(opened?.['reason'])).toMatch(/of \d+ calls failed.*UNAVAILABLE/);

    store.fallback = 'ok';
    await new Promise((r) => setTimeout(r, 220));
    expect(await records.find('k')).toBeUndefined(); // the half-open probe
    expect(circuit(metrics)).toBe(0);
    expect(logs.filter((e) => e.event === 'storage.circuit').map((e) => e['state'])).toEqual(['open', 'halfOpen', 'closed']);
  });

  it('reopens when the half-open probe fails', async () => {
    const { store, records, logs } = client({ retry: { attempts: 1 }, breaker });
    store.fallback = 'TIMEOUT';
    for (let i = 0; i < 6; i++) await failure(records.find('k'));
    await new Promise((r) => setTimeout(r, 220));
    expect((await failure(records.find('k'))).code).toBe('TIMEOUT');
    expect((await failure(records.find('k'))).code).toBe('CIRCUIT_OPEN');
    expect(String(logs.filter((e) => e.event === 'storage.circuit').at(-1)?.['reason'])).toMatch(/probe call failed/);
  });

  it('does not count answers such as PRECONDITION_FAILED or ACCESS_DENIED as failures', async () => {
    const { store, records, metrics } = client({ retry: { attempts: 1 }, breaker });
    store.fallback = 'PRECONDITION_FAILED';
    for (let i = 0; i < 10; i++) await failure(records.put('k', 'v', { ifMatch: 'x' }));
    store.fallback = 'ACCESS_DENIED';
    for (let i = 0; i < 10; i++) await failure(records.find('k'));
    expect(circuit(metrics)).toBe(0);
    expect((await failure(records.find('k'))).code).toBe('ACCESS_DENIED');
  });
});

describe('chaos layer', () => {
  it('is off by default, injects errors, latency and stalls when set, and stops on disable', async () => {
    const chaos = createChaosControl();
    const { store, records } = client({ timeoutMs: { read: 80 }, retry: { attempts: 1 }, breaker: { enabled: false } }, chaos);
    expect(await records.find('k')).toBeUndefined();

    chaos.set({ enabled: true, errorRate: 1, errorCode: 'INTERNAL' });
    const injected = await failure(records.find('k'));
    expect(injected).toMatchObject({ code: 'INTERNAL', details: { chaos: true } });

    chaos.set({ enabled: true, latencyRate: 1, latencyMs: 40 });
    const started = performance.now();
    await records.find('k');
    expect(performance.now() - started).toBeGreaterThanOrEqual(38);

    chaos.set({ enabled: true, stallRate: 1 });
    expect((await failure(records.find('k'))).code).toBe('TIMEOUT'); // ended by the resilience deadline

    chaos.set({ enabled: true, errorRate: 1, adapters: ['postgres'] });
    expect(await records.find('k')).toBeUndefined(); // another adapter is targeted

    chaos.set({ enabled: true, errorRate: 1 });
    chaos.disable();
    const before = store.calls.length;
    expect(await records.find('k')).toBeUndefined();
    expect(store.calls.length).toBe(before + 1);
  });

  it('rejects invalid settings with CONFIG_INVALID naming the field', () => {
    const chaos = createChaosControl();
    expect(() => chaos.set({ enabled: true, errorRate: 2 })).toThrow(/errorRate/);
    expect(() => createChaosControl({ stallRate: -1 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(chaos.settings.enabled).toBe(false);
  });
});

describe('resilience config', () => {
  it('fills documented defaults per adapter instance and reports bad values by path', () => {
    const parsed = parseConfig({ schemaVersion: 1, adapters: { db: { use: 'x' } }, namespaces: {} });
    expect(parsed.adapters['db']?.resilience).toEqual({
      enabled: false, // opt-in until the layer's hot-path cost is within budget (docs/resilience.md)
      timeoutMs: { read: 2000, write: 5000, transfer: 120_000 },
      retry: { attempts: 3, baseMs: 20, capMs: 1000, budget: 0.1, minPerWindow: 10, windowMs: 10_000 },
      breaker: { enabled: true, errorRate: 0.5, volume: 20, halfOpenAfterMs: 5000, windowMs: 10_000 },
    });
    expect(() =>
      parseConfig({ schemaVersion: 1, adapters: { db: { use: 'x', resilience: { retry: { budget: 2 }, timeoutMs: { read: 0 } } } }, namespaces: {} }),
    ).toThrow(/adapters\.db\.resilience\.retry\.budget[\s\S]*adapters\.db\.resilience\.timeoutMs\.read|adapters\.db\.resilience\.timeoutMs\.read[\s\S]*adapters\.db\.resilience\.retry\.budget/);
  });
});
