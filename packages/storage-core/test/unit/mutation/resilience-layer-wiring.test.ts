import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StorageError, type ResilienceConfig } from '../../../src/index.js';
import { resilientBlobs, resilientRecords, resilientStreams } from '../../../src/layers/resilience/resilience-layers.js';
import { wrapOperations } from '../../../src/layers/resilience/wrap-operations.js';

// How the resilience layers are put together per adapter instance: when they wrap at all, which
// timeout and error context each operation gets, what is shared between namespaces and kinds, what
// passes through, and what the client's close stops. Driven directly with a hand-made layer context.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function resilience(overrides: Partial<ResilienceConfig> = {}): ResilienceConfig {
  return {
    enabled: true,
    timeoutMs: { read: 100, write: 200, transfer: 300 },
    retry: { attempts: 1, baseMs: 1, capMs: 1, budget: 1, minPerWindow: 100, windowMs: 10_000 },
    breaker: { enabled: true, errorRate: 0, volume: 1, halfOpenAfterMs: 1_000, windowMs: 1_000 },
    ...overrides,
  } as ResilienceConfig;
}

function context(config: ResilienceConfig | undefined, extra: Record<string, unknown> = {}) {
  const closers: Array<() => unknown> = [];
  const retries: Array<{ labels: object; n: number }> = [];
  const ctx = {
    namespace: 'ns',
    adapter: 'pg',
    config: {},
    runtime: {
      logger: { log: () => {} },
      metrics: {
        circuitState: { bind: () => ({ set: () => {} }) },
        retriesTotal: {
          bind: (labels: object) => {
            const series = { labels, n: 0 };
            retries.push(series);
            return { inc: () => void (series.n += 1) };
          },
        },
      },
    },
    onClose: (cleanup: () => unknown) => closers.push(cleanup),
    ...(config === undefined ? {} : { instance: { name: 'db', resilience: config } }),
    ...extra,
  };
  return { ctx: ctx as never, closers, retries };
}

type Request = { readonly signal?: AbortSignal | undefined; readonly [key: string]: unknown };

/** A store whose calls wait until the test answers them; `this` must be the store. */
function pendingStore(kind: 'record' | 'blob' | 'stream', methods: readonly string[]) {
  const calls: Array<{ op: string; request: Request; resolve: (v: unknown) => void; reject: (e: unknown) => void }> = [];
  const store: Record<string, unknown> = { kind, name: 'pending', capabilities: { marker: kind } };
  for (const op of methods) {
    store[op] = function (this: unknown, request: Request) {
      if (this !== store) throw new Error(`${op} called with another this`);
      return new Promise((resolve, reject) => calls.push({ op, request, resolve, reject }));
    };
  }
  return { store: store as never, calls };
}

function outcome(promise: Promise<unknown>) {
  const state: { value?: unknown; error?: StorageError; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { value, settled: true }),
    (error: StorageError) => Object.assign(state, { error, settled: true }),
  );
  return state;
}

const RECORD_METHODS = ['get', 'list', 'getMany', 'put', 'delete', 'putMany', 'deleteMany', 'transaction'];

describe('when the layer wraps', () => {
  it('not for the embedded default store, a disabled instance, or a transaction', () => {
    const { store } = pendingStore('record', RECORD_METHODS);
    expect(resilientRecords(store, context(undefined).ctx)).toBeUndefined();
    expect(resilientRecords(store, context(resilience({ enabled: false })).ctx)).toBeUndefined();
    expect(resilientRecords(store, context(resilience(), { transaction: { afterCommit: () => {} } }).ctx)).toBeUndefined();
    expect(resilientRecords(store, context(resilience()).ctx)).toBeDefined();
  });

  it('keeps kind, name and capabilities; wraps the listed methods; passes transaction and subscribe through, bound', async () => {
    const records = pendingStore('record', RECORD_METHODS);
    const wrapped = resilientRecords(records.store, context(resilience()).ctx) as unknown as Record<string, (r: Request) => Promise<unknown>>;
    expect([wrapped['kind'], wrapped['name'], wrapped['capabilities']]).toEqual(['record', 'pending', { marker: 'record' }]);
    expect(Object.keys(wrapped).sort()).toEqual([...RECORD_METHODS, 'capabilities', 'kind', 'name'].sort());
    void wrapped['transaction']!({ key: 't' });
    expect(records.calls.at(-1)).toMatchObject({ op: 'transaction', request: { key: 't' } });
    expect(records.calls.at(-1)!.request.signal).toBeUndefined(); // not run through the deadline

    const streams = pendingStore('stream', ['publish', 'subscribe']);
    const topic = resilientStreams(streams.store, context(resilience()).ctx) as unknown as Record<string, (r: Request) => Promise<unknown>>;
    void topic['subscribe']!({ group: 'g' });
    expect(streams.calls.at(-1)).toMatchObject({ op: 'subscribe', request: { group: 'g' } });
    expect(streams.calls.at(-1)!.request.signal).toBeUndefined();
  });

  it('leaves absent methods absent', () => {
    const { store } = pendingStore('record', ['get', 'put']);
    const wrapped = resilientRecords(store, context(resilience()).ctx) as unknown as Record<string, unknown>;
    expect(Object.keys(wrapped).sort()).toEqual(['capabilities', 'get', 'kind', 'name', 'put']);
  });

  it('wrapOperations skips names that are not functions', () => {
    const store = { kind: 'k', name: 'n', capabilities: 1, get: 'not a method', put: () => Promise.resolve(1), tx: 2 };
    const copy = wrapOperations(store, ['get', 'put'], ['tx'], (method) => method) as unknown as Record<string, unknown>;
    expect(Object.keys(copy).sort()).toEqual(['capabilities', 'kind', 'name', 'put']);
  });
});

describe('what each operation gets', () => {
  it('reads, writes and transfers get their own timeout and name themselves as <kind>s.<method>', async () => {
    const records = pendingStore('record', RECORD_METHODS);
    const blobs = pendingStore('blob', ['get', 'put', 'head']);
    const streams = pendingStore('stream', ['publish']);
    const config = resilience({ breaker: { ...resilience().breaker, enabled: false } });
    const r = resilientRecords(records.store, context(config).ctx) as unknown as Record<string, (q: Request) => Promise<unknown>>;
    const b = resilientBlobs(blobs.store, context(config).ctx) as unknown as Record<string, (q: Request) => Promise<unknown>>;
    const s = resilientStreams(streams.store, context(config).ctx) as unknown as Record<string, (q: Request) => Promise<unknown>>;
    const get = outcome(r['get']!({ key: 'k' }));
    const put = outcome(r['put']!({ key: 'k' }));
    const blobPut = outcome(b['put']!({ key: 'k', body: new Uint8Array(1) }));
    const publish = outcome(s['publish']!({ messages: [] }));
    await vi.advanceTimersByTimeAsync(109);
    expect(get.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    expect(get.error).toMatchObject({ code: 'TIMEOUT', operation: 'records.get', namespace: 'ns', adapter: 'pg', details: { timeoutMs: 100 } });
    expect(get.error!.details).not.toHaveProperty('outcome');
    await vi.advanceTimersByTimeAsync(88);
    expect(put.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(11);
    expect(put.error).toMatchObject({ code: 'TIMEOUT', operation: 'records.put', details: { outcome: 'unknown', timeoutMs: 200 } });
    expect(publish.error).toMatchObject({ code: 'TIMEOUT', operation: 'streams.publish', details: { outcome: 'unknown', timeoutMs: 200 } });
    expect(blobPut.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(blobPut.error).toMatchObject({ code: 'TIMEOUT', operation: 'blobs.put', details: { outcome: 'unknown', timeoutMs: 300 } });
  });

  it('the shared slot signal an attempt gets carries the deadline error of its operation', async () => {
    const records = pendingStore('record', RECORD_METHODS);
    const r = resilientRecords(records.store, context(resilience()).ctx) as unknown as Record<string, (q: Request) => Promise<unknown>>;
    const put = outcome(r['put']!({ key: 'k' }));
    await vi.advanceTimersByTimeAsync(0);
    const signal = records.calls[0]!.request.signal!;
    await vi.advanceTimersByTimeAsync(210);
    expect(put.error!.code).toBe('TIMEOUT');
    expect(signal.reason).toMatchObject({ code: 'TIMEOUT', operation: 'records.put', details: { outcome: 'unknown', timeoutMs: 200 } });
  });

  it('a blob get gets a signal of its own; a blob head shares the slot signal', async () => {
    const blobs = pendingStore('blob', ['get', 'head']);
    const b = resilientBlobs(blobs.store, context(resilience()).ctx) as unknown as Record<string, (q: Request) => Promise<unknown>>;
    void b['get']!({ key: 'a' });
    void b['get']!({ key: 'b' });
    void b['head']!({ key: 'a' });
    void b['head']!({ key: 'b' });
    await vi.advanceTimersByTimeAsync(0);
    const [get1, get2, head1, head2] = blobs.calls.map((c) => c.request.signal);
    expect(get1).not.toBe(get2);
    expect(head1).toBe(head2);
  });

  it('counts retries in storage_retries_total, labelled by namespace, kind, operation and adapter', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const records = pendingStore('record', RECORD_METHODS);
    const { ctx, retries } = context(resilience({ retry: { ...resilience().retry, attempts: 2 } }));
    const r = resilientRecords(records.store, ctx) as unknown as Record<string, (q: Request) => Promise<unknown>>;
    const get = outcome(r['get']!({ key: 'k' }));
    await vi.advanceTimersByTimeAsync(0);
    records.calls[0]!.reject(new StorageError('UNAVAILABLE', 'down', { retryable: true }));
    await vi.advanceTimersByTimeAsync(0);
    records.calls[1]!.resolve('v');
    await vi.advanceTimersByTimeAsync(0);
    expect(get.value).toBe('v');
    const series = retries.find((s) => (s.labels as { operation?: string }).operation === 'get');
    expect(series).toEqual({ labels: { namespace: 'ns', kind: 'record', operation: 'get', adapter: 'pg' }, n: 1 });
  });
});

describe('what an adapter instance shares', () => {
  async function openBreaker(call: (q: Request) => Promise<unknown>, calls: Array<{ reject: (e: unknown) => void }>) {
    const first = outcome(call({ key: 'k' }));
    await vi.advanceTimersByTimeAsync(0);
    calls.at(-1)!.reject(new StorageError('UNAVAILABLE', 'down'));
    await vi.advanceTimersByTimeAsync(0);
    expect(first.error!.code).toBe('UNAVAILABLE');
  }

  it('namespaces of one instance share a breaker per kind; other kinds and other clients do not', async () => {
    const config = resilience();
    const records = pendingStore('record', RECORD_METHODS);
    const blobs = pendingStore('blob', ['get']);
    const a = resilientRecords(records.store, context(config).ctx) as unknown as Record<string, (q: Request) => Promise<unknown>>;
    const b = resilientRecords(records.store, context(config, { namespace: 'other' }).ctx) as unknown as Record<string, (q: Request) => Promise<unknown>>;
    const blob = resilientBlobs(blobs.store, context(config).ctx) as unknown as Record<string, (q: Request) => Promise<unknown>>;
    const otherClient = resilientRecords(records.store, context(resilience()).ctx) as unknown as Record<string, (q: Request) => Promise<unknown>>;
    await openBreaker(a['get']!, records.calls);
    const turnedAway = outcome(b['get']!({ key: 'k' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(turnedAway.error).toMatchObject({ code: 'CIRCUIT_OPEN', operation: 'records.get', namespace: 'other' });
    const before = records.calls.length;
    void otherClient['get']!({ key: 'k' });
    void blob['get']!({ key: 'k' });
    await vi.advanceTimersByTimeAsync(0);
    expect(records.calls.length).toBe(before + 1);
    expect(blobs.calls).toHaveLength(1);
  });

  it('no breaker when it is disabled', async () => {
    const records = pendingStore('record', RECORD_METHODS);
    const r = resilientRecords(records.store, context(resilience({ breaker: { ...resilience().breaker, enabled: false } })).ctx) as unknown as Record<
      string,
      (q: Request) => Promise<unknown>
    >;
    await openBreaker(r['get']!, records.calls);
    void r['get']!({ key: 'k' });
    await vi.advanceTimersByTimeAsync(0);
    expect(records.calls).toHaveLength(2);
  });

  it("the client's close stops the breaker's half-open timer", async () => {
    const records = pendingStore('record', RECORD_METHODS);
    const { ctx, closers } = context(resilience());
    const r = resilientRecords(records.store, ctx) as unknown as Record<string, (q: Request) => Promise<unknown>>;
    expect(closers).toHaveLength(1);
    await openBreaker(r['get']!, records.calls);
    for (const close of closers) await close();
    await vi.advanceTimersByTimeAsync(5_000);
    const probe = outcome(r['get']!({ key: 'k' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(probe.error!.code).toBe('CIRCUIT_OPEN'); // never went half-open
  });

  it('registers no close hook without a breaker', () => {
    const records = pendingStore('record', RECORD_METHODS);
    const { ctx, closers } = context(resilience({ breaker: { ...resilience().breaker, enabled: false } }));
    resilientRecords(records.store, ctx);
    expect(closers).toHaveLength(0);
  });

  it('registers one close hook per instance and kind, not per namespace', () => {
    const config = resilience();
    const records = pendingStore('record', RECORD_METHODS);
    const first = context(config);
    const second = context(config, { namespace: 'other' });
    resilientRecords(records.store, first.ctx);
    resilientRecords(records.store, second.ctx);
    expect(first.closers.length + second.closers.length).toBe(1);
  });
});
