import { describe, expect, it } from 'vitest';
import { createStorageClient } from '../../src/index.js';
import { failure, recordingMetrics, scriptedStore } from '../support/scripted-store.js';

// The hot-path shortcuts of ADR 011 (a signal per deadline slot, the attempt request built with the
// signal first, one clock reading per call) must not change what the adapter is given.
function client(before: (store: ReturnType<typeof scriptedStore>) => void = () => undefined) {
  const store = scriptedStore();
  before(store);
  const storage = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { db: { use: 'scripted', resilience: { enabled: true, timeoutMs: { read: 60 }, retry: { attempts: 1 }, breaker: { enabled: false } } } },
      namespaces: { n: { kind: 'record', adapter: 'db' } },
    },
    { adapters: [store.factory], metrics: recordingMetrics() },
  );
  return { store, records: storage.records<string>('n') };
}

describe('resilience hot path', () => {
  it("gives the adapter the call's own signal, not the caller's, so the deadline reaches a stuck driver", async () => {
    const { store, records } = client();
    const caller = new AbortController(); // never aborted
    store.script.push('stall');
    expect((await failure(records.find('k', { signal: caller.signal }))).code).toBe('TIMEOUT');
    expect(store.signals[0]).not.toBe(caller.signal);
    expect(store.signals[0]?.aborted).toBe(true);
    expect(caller.signal.aborted).toBe(false);
  });

  it('passes every field of the request through, with the signal added', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const { records } = client((store) => {
      const created = store.factory.create({}, {} as never) as unknown as { get: (r: Record<string, unknown>) => Promise<unknown> };
      const get = created.get;
      created.get = (r) => (seen.push(r), get(r));
    });
    await records.find('k', { consistency: 'strong', bypassCache: true });
    expect(seen[0]).toMatchObject({ namespace: 'n', key: 'k', consistency: 'strong', bypassCache: true });
    expect(seen[0]?.['signal']).toBeInstanceOf(AbortSignal);
  });
});
