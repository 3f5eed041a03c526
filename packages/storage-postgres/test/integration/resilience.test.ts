import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorageClient, isStorageError, type LogEvent, type StorageClient, type StorageMetrics } from '@sanctum/storage-core';
import { startPrivatePostgres, type PrivateServer } from '@sanctum/test-services';
import { postgresRecords } from '../../src/index.js';
import { adminClient } from './support.js';

// Faults go to a private, durable PostgreSQL of this file's own (fsync/synchronous_commit on), never
// to the shared rig server.
let server: PrivateServer;
beforeAll(async () => {
  server = await startPrivatePostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

const TIMEOUT_MS = 1000;
const HALF_OPEN_MS = 2000;

interface Call {
  readonly start: number;
  readonly end: number;
  readonly code: string | undefined;
}

function circuitGauge(): { metrics: StorageMetrics; states: number[] } {
  const states: number[] = [];
  const noop = { bind: () => ({ inc() {}, observe() {}, set() {} }) };
  return {
    states,
    metrics: {
      requestsTotal: noop,
      errorsTotal: noop,
      retriesTotal: noop,
      durationSeconds: noop,
      payloadBytes: noop,
      cacheRequestsTotal: noop,
      consistencyViolationsTotal: noop,
      circuitState: { bind: () => ({ set: (v: number) => void states.push(v) }) },
    },
  };
}

function makeClient(url: string, schema: string, metrics: StorageMetrics, logs: LogEvent[]): StorageClient {
  return createStorageClient(
    {
      schemaVersion: 1,
      adapters: {
        pg: {
          use: 'postgres',
          options: { url, schema, poolSize: 8, connectTimeoutMs: 1000, migrate: 'on-start' },
          resilience: {
            timeoutMs: { read: TIMEOUT_MS, write: TIMEOUT_MS },
            retry: { attempts: 1 }, // so that "ends by its timeout" is about one attempt
            // A 2 s window: the thousands of successes before the stall leave it quickly, so the
            // timeouts dominate within seconds (with the default 10 s they would for the whole stall).
            breaker: { errorRate: 0.5, volume: 20, halfOpenAfterMs: HALF_OPEN_MS, windowMs: 2000 },
          },
        },
      },
      namespaces: { items: { kind: 'record', adapter: 'pg' } },
    },
    { adapters: [postgresRecords()], metrics, logger: { log: (event) => logs.push(event) } },
  );
}

/** 16 loops of get/put until `stop()`; each call's start, end and error code. */
function loops(client: StorageClient, tag: string, acknowledged?: Set<string>) {
  const items = client.records<{ n: number }>('items');
  const calls: Call[] = [];
  let running = true;
  const done = Promise.all(
    Array.from({ length: 16 }, async (_, loop) => {
      for (let i = 0; running; i++) {
        const key = `${tag}/${loop}/${i}`;
        const start = performance.now();
        let code: string | undefined;
        try {
          if (i % 2 === 0) {
            await items.put(key, { n: i });
            acknowledged?.add(key);
          } else {
            await items.find(`${tag}/${loop}/${i - 1}`);
          }
        } catch (error) {
          code = isStorageError(error) ? error.code : `RAW:${String(error)}`;
        }
        calls.push({ start, end: performance.now(), code });
        if (code !== undefined) await new Promise((r) => setTimeout(r, 5));
      }
    }),
  );
  return {
    calls,
    stop: () => {
      running = false;
      return done;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const p99 = (values: number[]) => values.sort((a, b) => a - b)[Math.ceil(values.length * 0.99) - 1] ?? 0;

describe('PostgreSQL stalled (SIGSTOP 10 s) under 16 loops', () => {
  it('ends every call by its timeout, opens the breaker, fails fast while open, and recovers on the same client', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const { metrics, states } = circuitGauge();
    const logs: LogEvent[] = [];
    const client = makeClient(server.url, 'stall_test', metrics, logs);
    const admin = adminClient(server.url, 1);
    try {
      await client.records('items').put('warm', {});
      const run = loops(client, 'stall');
      await sleep(1000);
      server.stall();
      const stalledAt = performance.now();
      await sleep(10_000);
      server.resume();
      const resumedAt = performance.now();
      await sleep(HALF_OPEN_MS + 3000);
      await run.stop();

      const { calls } = run;
      const durations = calls.map((c) => c.end - c.start);
      expect(Math.max(...durations)).toBeLessThanOrEqual(TIMEOUT_MS + 100);
      expect(calls.filter((c) => c.code === 'TIMEOUT').length).toBeGreaterThan(0);
      expect(states).toContain(2); // opened
      expect(logs.some((e) => e.event === 'storage.circuit' && e['state'] === 'open' && String(e['reason']).includes('TIMEOUT'))).toBe(true);
      const open = calls.filter((c) => c.code === 'CIRCUIT_OPEN');
      expect(open.length).toBeGreaterThan(100);
      expect(p99(open.map((c) => c.end - c.start))).toBeLessThan(5);
      const firstSuccess = calls.filter((c) => c.code === undefined && c.start > resumedAt).sort((a, b) => a.end - b.end)[0];
      expect(firstSuccess).toBeDefined();
      expect(firstSuccess!.end - resumedAt).toBeLessThanOrEqual(HALF_OPEN_MS + 1000);
      expect(states.at(-1)).toBe(0); // closed again
      expect(calls.filter((c) => c.code === undefined && c.start > resumedAt + HALF_OPEN_MS + 1000).length).toBeGreaterThan(50);
      expect(calls.some((c) => c.code?.startsWith('RAW:'))).toBe(false);
      expect(unhandled).toEqual([]);
      expect(stalledAt).toBeLessThan(resumedAt);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      server.resume();
      await client.close();
      await admin.end({ timeout: 1 });
    }
  }, 60_000);
});

describe('PostgreSQL killed and restarted (SIGKILL), 5 runs', () => {
  it('no call outlives its deadline, nothing is unhandled, every acknowledged write is there afterwards', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const { metrics } = circuitGauge();
    const client = makeClient(server.url, 'crash_test', metrics, []);
    const acknowledged = new Set<string>();
    const allCalls: Call[] = [];
    try {
      await client.records('items').put('warm', {});
      for (let round = 0; round < 5; round++) {
        const run = loops(client, `crash${round}`, acknowledged);
        await sleep(500);
        await server.crash();
        await sleep(500);
        await server.restart();
        await sleep(HALF_OPEN_MS + 1500);
        await run.stop();
        allCalls.push(...run.calls);
        expect(run.calls.filter((c) => c.code === undefined && c.start > run.calls[0]!.start + 3000).length).toBeGreaterThan(0);
      }
      expect(Math.max(...allCalls.map((c) => c.end - c.start))).toBeLessThanOrEqual(TIMEOUT_MS + 100);
      expect(allCalls.some((c) => c.code?.startsWith('RAW:'))).toBe(false);
      expect(unhandled).toEqual([]);

      const admin = adminClient(server.url, 1);
      try {
        const rows = await admin<{ key: string }[]>`select key from crash_test.records where namespace = 'items'`;
        const stored = new Set(rows.map((r) => r.key));
        const missing = [...acknowledged].filter((key) => !stored.has(key));
        expect(acknowledged.size).toBeGreaterThan(500);
        expect(missing).toEqual([]);
      } finally {
        await admin.end({ timeout: 1 });
      }
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await client.close();
    }
  }, 120_000);
});
