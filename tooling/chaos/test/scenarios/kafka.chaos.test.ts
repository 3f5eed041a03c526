/**
 * Kafka on the rig's mock cluster (librdkafka's), through the fault proxy only (the rig's process is
 * never signalled), through the facade with the resilience layer on: 8 publishers and a consumer
 * group through a stalled link (black hole), a crashed link (connections killed, new ones refused),
 * and a slow, lossy link.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { AdapterFactory, StreamStore } from '@sanctum/storage-core/spi';
import { kafkaStreams, type KafkaStreamStoreOptions } from '@sanctum/storage-stream/kafka';
import { resolveService } from '@sanctum/test-services';
import { createChaosProxy, type ChaosProxy } from '../../src/index.js';
import { CallLog, lossyShowed, PUBLISH_TIMEOUT_MS, RESILIENCE, chaosClient, profile, runScenario, type Fault, type ScenarioSpec, linkFaults, lossyFault, failedDuring } from '../support/harness.js';
import { countingHandler, publishLoad, settle, type StreamTally } from '../support/streams.js';
// The stream package's own test seam (its tests use it the same way): extra kafkajs settings.
import { createKafkaStore } from '../../../../packages/storage-stream/src/kafka/stream-store.js';

const { brokers } = await resolveService('kafka');
const run = `${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
let proxy: ChaosProxy;

beforeAll(async () => {
  const [host = '127.0.0.1', port = '9092'] = (brokers[0] ?? '').split(':');
  proxy = await createChaosProxy({ target: { host, port: Number(port) } });
});
afterAll(async () => {
  await proxy?.close();
});

/**
 * `kafkaStreams()` with every broker connection sent through the proxy: the mock advertises its own
 * address in metadata, so pointing the bootstrap list at the proxy alone would not be enough.
 */
function proxiedKafka(): AdapterFactory<StreamStore, KafkaStreamStoreOptions> {
  return {
    ...kafkaStreams(),
    create: (options, context) =>
      createKafkaStore(options, context, { kafkaConfig: { socketFactory: ({ onConnect }) => connect({ host: '127.0.0.1', port: proxy.port }, onConnect) } }),
  };
}

// librdkafka's mock: no idempotent producer for kafkajs, a 3 s initial rebalance delay; short
// session and rebalance timings so the consumer comes back within seconds.
const MOCK_TUNING = {
  idempotent: false,
  sessionTimeoutMs: 6_000,
  rebalanceTimeoutMs: 3_000,
  heartbeatIntervalMs: 300,
  maxWaitTimeMs: 100,
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 5_000,
  closeTimeoutMs: 1_000,
  commitIntervalMs: 200,
} as const;

async function scenario(tag: string, fault: Fault, faultShowed: ScenarioSpec['faultShowed']): Promise<void> {
  const cc = chaosClient(
    {
      schemaVersion: 1,
      adapters: { kafka: { use: 'kafka', options: { brokers: [...brokers], topicPrefix: `chaos-${run}-`, ...MOCK_TUNING }, resilience: RESILIENCE } },
      namespaces: { [tag]: { kind: 'stream', adapter: 'kafka', maxInFlight: 64, maxDeliveries: 1000, ackTimeoutMs: 10_000, publishTimeoutMs: PUBLISH_TIMEOUT_MS } },
    },
    [proxiedKafka()],
    'kafka',
  );
  const topic = cc.client.streams<{ key: string }>(tag);
  const tally: StreamTally = { acknowledged: new Set(), handled: new Map() };
  const consumerErrors: string[] = [];
  const log = new CallLog();
  // The topic exists before the consumer joins (the mock creates it on first produce).
  await topic.publish({ key: `${tag}-first` }, { key: `${tag}-first` });
  tally.acknowledged.add(`${tag}-first`);
  const subscription = await topic.subscribe('chaos', countingHandler(tally), { onError: (error) => void consumerErrors.push(String(error)) });
  try {
    await runScenario(
      {
        title: `kafka ${fault.name}`,
        cc,
        log,
        fault,
        load: publishLoad(topic, log, tally, tag),
        async check() {
          const settled = await settle(tally);
          return { ...settled, extra: { 'consumer errors reported': consumerErrors.length, 'proxy resets': proxy.stats().resets, 'connections killed': proxy.stats().killed } };
        },
        faultShowed,
      },
    );
  } finally {
    proxy.clear();
    await proxy.up();
    await subscription.close();
    await cc.client.close();
  }
}


describe(`Kafka (librdkafka mock) chaos through the proxy (${profile.name} profile)`, () => {
  it('stall: the link black-holed, then restored', async () => {
    await scenario('stall', linkFaults(proxy).stall, failedDuring);
  });

  it('crash: every connection killed and new ones refused, then restored', async () => {
    await scenario('crash', linkFaults(proxy).crash, failedDuring);
  });

  it('lossy link: latency 40 ± 30 ms per chunk and 2% of chunks resetting their connection', async () => {
    await scenario(
      'lossy',
      lossyFault(proxy),
      lossyShowed(() => proxy.stats().resets),
    );
  });
});
