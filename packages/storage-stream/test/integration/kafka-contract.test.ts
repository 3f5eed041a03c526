import { describe, it } from 'vitest';
import { facadeGoldenSuite, streamStoreContract } from '@sanctum/storage-contract-tests';
import { createMemoryCacheStore } from '@sanctum/storage-cache-memory';
import { resolveService } from '@sanctum/test-services';
import { createKafkaStreamStore } from '../../src/kafka/index.js';
import { MOCK_TUNING } from '../support/kafka.js';

const { brokers } = await resolveService('kafka');
const create = () => createKafkaStreamStore({ brokers, ...MOCK_TUNING });

streamStoreContract({
  runner: { describe, it },
  title: 'Kafka StreamStore contract (librdkafka mock cluster)',
  create,
  capabilities: { replayFromId: true, replayFromTime: true, ordering: 'per-key' },
  namespacePrefix: 'contract-kafka',
  // A group join on the mock takes 3 s and a rebalance under load on 2 shared cores can add more.
  timeoutMs: 15_000,
});

facadeGoldenSuite({
  runner: { describe, it },
  title: 'Facade golden suite over Kafka (librdkafka mock cluster)',
  cache: () => createMemoryCacheStore({}),
  streams: create,
  namespacePrefix: 'golden-kafka',
  timeoutMs: 15_000,
});
