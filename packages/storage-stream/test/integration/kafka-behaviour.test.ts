import { connect } from 'node:net';
import { resolveService } from '@sanctum/test-services';
import { createKafkaStore } from '../../src/kafka/stream-store.js';
import { createKafkaStreamStore } from '../../src/kafka/index.js';
import { registerBehaviour } from '../support/behaviour.js';
import { MOCK_TUNING } from '../support/kafka.js';
import { createStallProxy } from '../support/stall-proxy.js';

const { brokers } = await resolveService('kafka');

registerBehaviour({
  title: 'Kafka (librdkafka mock cluster)',
  create: () => createKafkaStreamStore({ brokers, ...MOCK_TUNING }),
  async createStallable(maxPendingPublishes) {
    const [host = '127.0.0.1', port = '9092'] = (brokers[0] ?? '').split(':');
    const proxy = await createStallProxy(host, Number(port));
    // Every broker connection goes through the proxy (the mock advertises the bootstrap address).
    const store = createKafkaStore({ brokers, ...MOCK_TUNING, maxPendingPublishes }, undefined, {
      kafkaConfig: { socketFactory: ({ onConnect }) => connect({ host: '127.0.0.1', port: proxy.port }, onConnect) },
    });
    return { store, proxy };
  },
});
