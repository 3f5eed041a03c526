import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDEMPOTENCY_KEY_HEADER, StorageError, createStorageClient, type AdapterFactory, type ResilienceConfigInput } from '../../src/index.js';
import { createMemoryStreamStore, type StreamStore } from '../../src/spi/index.js';
import { backoffDelay } from '../../src/layers/resilience/retry.js';
import { failure, recordingMetrics, scriptedStore, total } from '../support/scripted-store.js';

function client(resilience: ResilienceConfigInput) {
  const store = scriptedStore();
  const metrics = recordingMetrics();
  const storage = createStorageClient(
    { schemaVersion: 1, adapters: { db: { use: 'scripted', resilience: { enabled: true, ...resilience } } }, namespaces: { n: { kind: 'record', adapter: 'db' } } },
    { adapters: [store.factory], metrics },
  );
  return { store, metrics, records: storage.records<string>('n') };
}

const gaps = (calls: readonly number[]) => calls.slice(1).map((t, i) => t - calls[i]!);

afterEach(() => vi.restoreAllMocks());

describe('golden: retry backoff (STOR-231)', () => {
  it('delays grow exponentially, each within its full-jitter bound', async () => {
    const { store, records, metrics } = client({ retry: { attempts: 5, baseMs: 20, capMs: 1000, minPerWindow: 100 }, breaker: { enabled: false } });
    vi.spyOn(Math, 'random').mockReturnValue(0.999); // the top of each jitter range
    store.fallback = 'UNAVAILABLE';
    expect((await failure(records.find('k'))).code).toBe('UNAVAILABLE');
    expect(store.calls).toHaveLength(5);
    const bounds = [20, 40, 80, 160];
    gaps(store.calls).forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(bounds[i]! * 0.999 - 2);
      expect(gap).toBeLessThan(bounds[i]! + 30);
    });
    expect(total(metrics, 'retries')).toBe(4);
  });

  it('full jitter: a draw of 0 retries at once, and every delay stays in [0, min(cap, base·2^(n-1)))', async () => {
    const settings = { attempts: 10, baseMs: 20, capMs: 100 };
    for (let n = 1; n <= 8; n++) {
      const ceiling = Math.min(100, 20 * 2 ** (n - 1));
      expect(backoffDelay(n, settings, () => 0)).toBe(0);
      expect(backoffDelay(n, settings, () => 0.999999)).toBe(ceiling - 1);
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(n, settings);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
    }
    const { store, records } = client({ retry: { attempts: 4, minPerWindow: 100 }, breaker: { enabled: false } });
    vi.spyOn(Math, 'random').mockReturnValue(0);
    store.script.push('UNAVAILABLE', 'TIMEOUT', 'ok');
    expect(await records.find('k')).toBeUndefined();
    expect(store.calls).toHaveLength(3);
    for (const gap of gaps(store.calls)) expect(gap).toBeLessThan(15);
  });

  it('never retries a non-retryable error', async () => {
    for (const code of ['ACCESS_DENIED', 'INVALID_ARGUMENT', 'INTERNAL', 'PRECONDITION_FAILED'] as const) {
      const { store, records, metrics } = client({ retry: { minPerWindow: 100 } });
      store.fallback = code;
      expect((await failure(records.find('k'))).code).toBe(code);
      expect(store.calls).toHaveLength(1);
      expect(total(metrics, 'retries')).toBe(0);
    }
  });

  it('never retries a non-idempotent operation; retries the conditional form of the same write', async () => {
    const { store, records } = client({ retry: { minPerWindow: 100, baseMs: 1 } });
    store.fallback = 'UNAVAILABLE';
    await failure(records.put('k', 'v'));
    expect(store.calls).toHaveLength(1);
    await failure(records.delete('k'));
    expect(store.calls).toHaveLength(2);
    await failure(records.put('k', 'v', { ifNoneMatch: '*' }));
    expect(store.calls).toHaveLength(5);
    await failure(records.delete('k', { ifMatch: 'e1' }));
    expect(store.calls).toHaveLength(8);
  });

  it('stops retrying when the caller aborts during a backoff', async () => {
    const { store, records } = client({ retry: { attempts: 5, baseMs: 400, capMs: 400, minPerWindow: 100 }, breaker: { enabled: false } });
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    store.fallback = 'UNAVAILABLE';
    const started = performance.now();
    const error = await failure(records.find('k', { signal: AbortSignal.timeout(100) }));
    expect(error.code).toBe('TIMEOUT');
    expect(performance.now() - started).toBeLessThan(350);
    expect(store.calls).toHaveLength(1);
  });
});

describe('retry budget', () => {
  it('keeps attempts ≤ requests × (1 + budget) while every call fails', async () => {
    const { store, records, metrics } = client({ retry: { attempts: 3, baseMs: 1, capMs: 1, budget: 0.1, minPerWindow: 0 }, breaker: { enabled: false } });
    store.fallback = 'UNAVAILABLE';
    const requests = 200;
    await Promise.all(Array.from({ length: requests }, (_, i) => failure(records.find(`k${i}`))));
    expect(store.calls.length).toBeLessThanOrEqual(requests * 1.1);
    expect(store.calls.length).toBeGreaterThan(requests); // the budget allowed some retries…
    expect(total(metrics, 'retries')).toBe(store.calls.length - requests); // …and each one was counted
  });

  it('lets a quiet service retry through minPerWindow', async () => {
    const { store, records } = client({ retry: { attempts: 6, baseMs: 1, budget: 0, minPerWindow: 2 } });
    store.fallback = 'UNAVAILABLE';
    await failure(records.find('k'));
    expect(store.calls).toHaveLength(3); // first attempt + the 2 retries the window allows, not 6
  });
});

describe('publishes', () => {
  function streamClient(fail: () => Promise<void>, resilience: ResilienceConfigInput) {
    const inner = createMemoryStreamStore();
    let calls = 0;
    const store: StreamStore = {
      ...inner,
      kind: 'stream',
      name: 'flaky-stream',
      capabilities: inner.capabilities,
      publish: async (request) => {
        calls += 1;
        await fail();
        return inner.publish(request);
      },
      subscribe: (request) => inner.subscribe(request),
    };
    const factory = { kind: 'stream', name: 'flaky-stream', optionsSchema: { '~standard': { version: 1, vendor: 't', validate: (value: unknown) => ({ value }) } }, create: () => store } as AdapterFactory;
    const storage = createStorageClient(
      { schemaVersion: 1, adapters: { s: { use: 'flaky-stream', resilience: { enabled: true, ...resilience } } }, namespaces: { t: { kind: 'stream', adapter: 's', publishTimeoutMs: 300 } } },
      { adapters: [factory] },
    );
    return { topic: storage.streams('t'), calls: () => calls };
  }

  it('retries a publish only when every message carries an idempotency key', async () => {
    let n = 0;
    const { topic, calls } = streamClient(async () => {
      if (++n <= 2) throw new StorageError('UNAVAILABLE', 'flaky'); // the first two calls fail
    }, { retry: { baseMs: 1, minPerWindow: 100 } });
    expect((await failure(topic.publish({ n: 1 }))).code).toBe('UNAVAILABLE');
    expect(calls()).toBe(1);
    await topic.publish({ n: 2 }, { headers: { [IDEMPOTENCY_KEY_HEADER]: 'order-2' } });
    expect(calls()).toBe(3);
  });

  it("gives a publish its own timeoutMs (waiting for room) on top of the write timeout", async () => {
    const { topic } = streamClient(() => new Promise((r) => setTimeout(r, 200)), { timeoutMs: { write: 100 }, retry: { attempts: 1 } });
    await expect(topic.publish({ n: 1 })).resolves.toBeDefined();
    expect((await failure(topic.publish({ n: 2 }, { timeoutMs: 1 }))).code).toBe('TIMEOUT');
  });
});
