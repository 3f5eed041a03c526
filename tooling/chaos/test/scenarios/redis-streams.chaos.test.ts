/**
 * Redis Streams (a private, durable Redis: appendonly, appendfsync always; never the rig's) behind
 * the fault proxy, through the facade with the resilience layer on: 8 publishers and a consumer
 * group through SIGSTOP, SIGKILL + restart, and a slow, lossy link.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { redisStreams } from '@sanctum/storage-stream/redis';
import { startPrivateRedis, type PrivateServer } from '@sanctum/test-services';
import { createChaosProxy, type ChaosProxy } from '../../src/index.js';
import { CallLog, lossyShowed, PUBLISH_TIMEOUT_MS, RESILIENCE, TIMEOUT_MS, chaosClient, profile, runScenario, type Fault, type ScenarioSpec, serverFaults, lossyFault, failedDuring } from '../support/harness.js';
import { countingHandler, publishLoad, settle, type StreamTally } from '../support/streams.js';

let server: PrivateServer;
let proxy: ChaosProxy;

beforeAll(async () => {
  server = await startPrivateRedis();
  proxy = await createChaosProxy({ target: { host: '127.0.0.1', port: server.port } });
});
afterAll(async () => {
  await proxy?.close();
  await server?.stop();
});

async function scenario(tag: string, fault: Fault, faultShowed: ScenarioSpec['faultShowed']): Promise<void> {
  const cc = chaosClient(
    {
      schemaVersion: 1,
      adapters: {
        redis: {
          use: 'redis-streams',
          options: { url: `redis://127.0.0.1:${String(proxy.port)}`, publishTimeoutMs: TIMEOUT_MS.write, connectTimeoutMs: 2000, blockMs: 500, socketTimeoutMs: 2000 },
          resilience: RESILIENCE,
        },
      },
      namespaces: { [tag]: { kind: 'stream', adapter: 'redis', maxInFlight: 64, maxDeliveries: 1000, ackTimeoutMs: 5000, publishTimeoutMs: PUBLISH_TIMEOUT_MS } },
    },
    [redisStreams()],
    'redis-streams',
  );
  const topic = cc.client.streams<{ key: string }>(tag);
  const tally: StreamTally = { acknowledged: new Set(), handled: new Map() };
  const consumerErrors: string[] = [];
  const log = new CallLog();
  const subscription = await topic.subscribe('chaos', countingHandler(tally), { onError: (error) => void consumerErrors.push(String(error)) });
  try {
    await runScenario(
      {
        title: `redis-streams ${fault.name}`,
        cc,
        log,
        fault,
        load: publishLoad(topic, log, tally, tag),
        async check() {
          const settled = await settle(tally);
          return { ...settled, extra: { 'consumer errors reported': consumerErrors.length, 'proxy resets': proxy.stats().resets } };
        },
        faultShowed,
      },
    );
  } finally {
    proxy.clear();
    await subscription.close();
    await cc.client.close();
  }
}


describe(`Redis Streams chaos (${profile.name} profile)`, () => {
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
