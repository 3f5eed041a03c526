import { strict as assert } from 'node:assert';
import { describe, it } from 'vitest';
import { createMemoryBlobStore, createMemoryRecordStore, createMemoryStreamStore, type RecordStore } from '@sanctum/storage-core/spi';
import { blobStoreContract, recordStoreContract, streamStoreContract, type TestRunner } from '../src/index.js';
import { collect, runAll } from './support/fake-runner.js';

/** Runs the collected tests of one suite (the first `limit` of them) and records every hook call. */
async function runWithCleanup(register: (runner: TestRunner, cleanup: (namespace: string) => void) => void, limit = Infinity) {
  const events: string[] = [];
  const cleaned: string[] = [];
  const tests = collect((runner) =>
    register(runner, (namespace) => {
      events.push('cleanup');
      cleaned.push(namespace);
    }),
  ).slice(0, limit);
  const outcomes = await runAll(tests);
  return { tests, outcomes, cleaned, events };
}

function closeTracking<S extends { close?(): Promise<void> }>(store: S, events: string[]): S {
  const close = store.close?.bind(store);
  return Object.assign(store, { close: async () => { events.push('close'); await close?.(); } });
}

describe('cleanup(namespace) hook', () => {
  it('is called once per record test, after the store closed, with a namespace of its own', async () => {
    const events: string[] = [];
    const run = await runWithCleanup((runner, cleanup) =>
      recordStoreContract({
        runner,
        namespacePrefix: 'hook',
        cleanup: (namespace) => { cleanup(namespace); events.push('cleanup'); },
        create: () => closeTracking(createMemoryRecordStore(), events),
        capabilities: { ttl: true, bulk: true, transactions: true, splice: true },
      }),
    );
    assert.deepEqual(run.outcomes.filter((o) => !o.passed).map((o) => o.name), []);
    assert.equal(run.cleaned.length, run.tests.length);
    assert.equal(new Set(run.cleaned).size, run.cleaned.length, 'each test gets a namespace of its own');
    assert.ok(run.cleaned.every((ns) => ns.startsWith('hook-rec-')), run.cleaned.join(', '));
    // The last thing each test does is the cleanup, after its store was closed.
    assert.equal(events.at(-1), 'cleanup');
    assert.equal(events.at(-2), 'close');
  });

  it('is called for blob and stream tests too, including the facade checksum test', async () => {
    const blobs = await runWithCleanup((runner, cleanup) =>
      blobStoreContract({
        runner,
        cleanup,
        largeObjectBytes: 64 * 1024,
        create: () => createMemoryBlobStore(),
        capabilities: createMemoryBlobStore().capabilities,
      }),
    );
    assert.deepEqual(blobs.outcomes.filter((o) => !o.passed).map((o) => o.name), []);
    assert.equal(blobs.cleaned.length, blobs.tests.length);
    assert.ok(blobs.cleaned.some((ns) => ns.startsWith('contract-sum-')), 'the checksum test cleans its namespace');
    const streams = await runWithCleanup(
      (runner, cleanup) =>
        streamStoreContract({ runner, cleanup, create: () => createMemoryStreamStore(), capabilities: createMemoryStreamStore().capabilities }),
      4,
    );
    assert.deepEqual(streams.outcomes.filter((o) => !o.passed).map((o) => o.name), []);
    assert.equal(streams.cleaned.length, 4);
  });

  it('runs after a failing test too, and the test still reports its own failure', async () => {
    const broken = (): RecordStore => {
      const store = createMemoryRecordStore();
      return Object.assign(store, { get: async () => { throw new Error('planted get failure'); } });
    };
    const run = await runWithCleanup((runner, cleanup) =>
      recordStoreContract({
        runner,
        cleanup: (namespace) => {
          cleanup(namespace);
          throw new Error('cleanup failure must not hide the test failure');
        },
        create: broken,
        capabilities: { ttl: true, bulk: true, transactions: true, splice: true },
      }),
    );
    const failed = run.outcomes.filter((o) => !o.passed);
    assert.ok(failed.length > 0);
    assert.equal(run.cleaned.length, run.tests.length);
    assert.ok(failed.some((o) => String(o.error).includes('planted get failure')));
  });

  it('fails a passing test when the cleanup throws', async () => {
    const run = await runWithCleanup(
      (runner) =>
        recordStoreContract({
          runner,
          cleanup: () => Promise.reject(new Error('could not drop the namespace')),
          create: () => createMemoryRecordStore(),
          capabilities: { ttl: true, bulk: true, transactions: true, splice: true },
        }),
      1,
    );
    assert.equal(run.outcomes.length, 1);
    assert.equal(run.outcomes[0]!.passed, false);
    assert.match(String(run.outcomes[0]!.error), /could not drop the namespace/);
  });
});
