/**
 * The Redis cache (a private Redis; never the rig's) behind the fault proxy, in front of record
 * namespaces on the rig's PostgreSQL (healthy, resilience layer on), `onCacheFailure: 'fail-open'`:
 * readers and writers through SIGSTOP, SIGKILL + restart, and a slow, lossy link of the cache.
 * A cache fault must cost no call, lose no write, and leave the store's breaker closed.
 */
import postgresJs from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisCache } from '@sanctum/storage-cache-redis';
import { migrateUp, postgresRecords } from '@sanctum/storage-postgres';
import { resolveService, startPrivateRedis, type PrivateServer } from '@sanctum/test-services';
import { createChaosProxy, type ChaosProxy } from '../../src/index.js';
import { CallLog, lossyShowed, RESILIENCE, TIMEOUT_MS, chaosClient, profile, runScenario, startLoad, type Fault, type ScenarioSpec, serverFaults, lossyFault } from '../support/harness.js';

const { url: pgUrl } = await resolveService('postgres');
const SCHEMA = 'sanctum_chaos_cache';
const COMMAND_TIMEOUT_MS = 200;
const KEYS_PER_WRITER = 8;
const WRITERS = 2;
let server: PrivateServer;
let proxy: ChaosProxy;
const run = `${String(process.pid)}-${Date.now().toString(36)}`;

beforeAll(async () => {
  server = await startPrivateRedis();
  proxy = await createChaosProxy({ target: { host: '127.0.0.1', port: server.port } });
  await migrateUp({ url: pgUrl, schema: SCHEMA });
});
afterAll(async () => {
  await proxy?.close();
  await server?.stop();
});

/** `'cache errors'`: the fault shows as cache errors the facade absorbed (fail-open). */
async function scenario(tag: string, fault: Fault, evidence: 'cache errors' | ScenarioSpec['faultShowed']): Promise<void> {
  const namespace = `cache-${tag}-${run}`;
  const cc = chaosClient(
    {
      schemaVersion: 1,
      adapters: { pg: { use: 'postgres', options: { url: pgUrl, schema: SCHEMA, poolSize: 4 }, resilience: RESILIENCE } },
      caches: { hot: { use: 'redis', options: { url: `redis://127.0.0.1:${String(proxy.port)}`, keyPrefix: `chaos:${namespace}:`, commandTimeoutMs: COMMAND_TIMEOUT_MS, connectTimeoutMs: 2000 } } },
      namespaces: { [namespace]: { kind: 'record', adapter: 'pg', cache: 'hot', onCacheFailure: 'fail-open', stalenessBudgetMs: 100, cacheTtlMs: 60_000 } },
    },
    [postgresRecords(), redisCache()],
    'postgres',
  );
  const records = cc.client.records<{ n: number }>(namespace);
  const log = new CallLog();
  // Per key: the newest value acknowledged. Each key has one writer, which writes increasing values.
  const acknowledged = new Map<string, number>();
  let writes = 0;
  const keys = Array.from({ length: WRITERS * KEYS_PER_WRITER }, (_, i) => `k${String(i)}`);
  for (const key of keys) {
    await records.put(key, { n: 0 });
    acknowledged.set(key, 0);
  }
  const cacheErrors = () => cc.logs.filter((e) => e.event === 'storage.cache.error').length;
  try {
    await runScenario(
      {
        title: `redis-cache ${fault.name}`,
        cc,
        log,
        fault,
        // 12 readers (strong reads) and 2 writers, each writer owning its keys.
        load: () =>
          startLoad(12 + WRITERS, async (worker, i) => {
            if (worker < WRITERS) {
              const key = keys[worker * KEYS_PER_WRITER + (i % KEYS_PER_WRITER)]!;
              const n = i + 1;
              const ok = await log.run('put', TIMEOUT_MS.write + COMMAND_TIMEOUT_MS, () => records.put(key, { n }));
              if (ok) {
                acknowledged.set(key, n);
                writes += 1;
              }
              return ok;
            }
            return log.run('get', TIMEOUT_MS.read + COMMAND_TIMEOUT_MS, () => records.get(keys[(worker + i) % keys.length]!));
          }),
        async check() {
          // Through the facade (cache and all, strong) and raw SQL: each key at least at its newest
          // acknowledged value (a later write whose outcome was unknown may have landed too).
          const raw = postgresJs(pgUrl, { max: 1, onnotice: () => undefined });
          let lost = 0;
          try {
            const rows = await raw.unsafe<Array<{ key: string; value: { n: number } }>>(`select key, value from "${SCHEMA}".records where namespace = $1`, [namespace]);
            const stored = new Map(rows.map((r) => [r.key, r.value.n]));
            for (const [key, n] of acknowledged) {
              const read = (await records.get(key)).value.n;
              if ((stored.get(key) ?? -1) < n || read < n) lost += 1;
            }
            await raw.unsafe(`delete from "${SCHEMA}".records where namespace = $1`, [namespace]);
          } finally {
            await raw.end();
          }
          return { acknowledged: writes, lost, extra: { keys: acknowledged.size, 'keys behind their newest acknowledged write': lost, 'failed calls': log.calls.filter((c) => c.code !== undefined).length, 'cache errors absorbed (fail-open)': cacheErrors(), 'proxy resets': proxy.stats().resets } };
        },
        faultShowed: evidence === 'cache errors' ? () => cacheErrors() > 0 : evidence,
      },
    );
    // Fail-open: the cache's faults cost no call, and never reached the store's breaker.
    expect(log.calls.filter((c) => c.code !== undefined)).toEqual([]);
    expect(cc.transitions()).toEqual([]);
  } finally {
    proxy.clear();
    await cc.client.close();
  }
}

describe(`Redis cache chaos, fail-open (${profile.name} profile)`, () => {
  it('stall: SIGSTOP of the cache server, then SIGCONT', async () => {
    await scenario('stall', serverFaults(server).stall, 'cache errors');
  });

  it('crash: SIGKILL of the cache server, restart on the same data', async () => {
    await scenario('crash', serverFaults(server).crash, 'cache errors');
  });

  it('lossy link: latency 40 ± 30 ms per chunk and 2% of chunks resetting their connection', async () => {
    await scenario(
      'lossy',
      lossyFault(proxy),
      lossyShowed(() => proxy.stats().resets),
    );
  });
});

