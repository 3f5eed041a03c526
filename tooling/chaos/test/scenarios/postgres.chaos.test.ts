/**
 * PostgreSQL (a private, durable server; never the rig's) behind the fault proxy, through the facade
 * with the resilience layer on: SIGSTOP, SIGKILL + restart, and a slow, lossy link.
 */
import postgresJs from 'postgres';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { migrateUp, postgresRecords } from '@sanctum/storage-postgres';
import { startPrivatePostgres, type PrivateServer } from '@sanctum/test-services';
import { createChaosProxy, type ChaosProxy } from '../../src/index.js';
import { CallLog, lossyShowed, RESILIENCE, TIMEOUT_MS, chaosClient, profile, runScenario, startLoad, type Fault, serverFaults, lossyFault, failedDuring } from '../support/harness.js';

const SCHEMA = 'sanctum_chaos';
let server: PrivateServer;
let proxy: ChaosProxy;

beforeAll(async () => {
  server = await startPrivatePostgres();
  await migrateUp({ url: server.url, schema: SCHEMA });
  proxy = await createChaosProxy({ target: { host: '127.0.0.1', port: server.port } });
});
afterAll(async () => {
  await proxy?.close();
  await server?.stop();
});

async function scenario(tag: string, fault: Fault, faultShowed: Parameters<typeof runScenario>[0]['faultShowed']): Promise<void> {
  const cc = chaosClient(
    {
      schemaVersion: 1,
      adapters: {
        pg: { use: 'postgres', options: { url: `postgres://postgres@127.0.0.1:${String(proxy.port)}/postgres`, schema: SCHEMA, poolSize: 8, connectTimeoutMs: 2000 }, resilience: RESILIENCE },
      },
      namespaces: { chaos: { kind: 'record', adapter: 'pg' } },
    },
    [postgresRecords()],
    'postgres',
  );
  const records = cc.client.records<{ i: number }>('chaos');
  const log = new CallLog();
  const acknowledged = new Map<string, number>();
  try {
    await records.find('warm-up');
    await runScenario(
      {
        title: `postgres ${fault.name}`,
        cc,
        log,
        fault,
        // 8 workers: a get of the previous key, then an unconditional put of a fresh key.
        load: () =>
          startLoad(8, async (worker, i) => {
            const key = `${tag}-${String(worker)}-${String(i)}`;
            if (i % 2 === 0) return log.run('get', TIMEOUT_MS.read, () => records.find(`${tag}-${String(worker)}-${String(i - 1)}`));
            const written = await log.run('put', TIMEOUT_MS.write, () => records.put(key, { i }));
            if (written) acknowledged.set(key, i);
            return written;
          }),
        async check() {
          // Raw SQL straight to the server (not through the proxy).
          const raw = postgresJs(server.url, { max: 1, onnotice: () => undefined });
          try {
            const rows = await raw.unsafe<Array<{ key: string; value: { i: number } }>>(
              `select key, value from "${SCHEMA}".records where namespace = 'chaos' and key = any($1::text[])`,
              [[...acknowledged.keys()]],
            );
            const found = new Map(rows.map((r) => [r.key, r.value.i]));
            const lost = [...acknowledged].filter(([key, i]) => found.get(key) !== i).length;
            return { acknowledged: acknowledged.size, lost, extra: { 'proxy resets': proxy.stats().resets } };
          } finally {
            await raw.end();
          }
        },
        faultShowed,
      },
    );
  } finally {
    proxy.clear();
    await cc.client.close();
  }
}


describe(`PostgreSQL chaos (${profile.name} profile)`, () => {
  it('stall: SIGSTOP of the server, then SIGCONT', async () => {
    await scenario('stall', serverFaults(server).stall, failedDuring);
  });

  it('crash: SIGKILL of the server, restart on the same data', async () => {
    await scenario('crash', serverFaults(server).crash, failedDuring);
  });

  it('lossy link: latency 40 ± 30 ms per chunk and 2% of chunks resetting their connection', async () => {
    await scenario(
      'lossy',
      lossyFault(proxy),
      lossyShowed(() => proxy.stats().resets),
    );
  });
});
