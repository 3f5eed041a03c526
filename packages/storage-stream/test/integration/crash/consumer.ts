/**
 * The consumer process of the crash tests. Subscribes to NAMESPACE in group `crash`, appends the
 * index of every message it handles to LEDGER (one line each, written before the handler resolves,
 * so a message handled and then lost to a SIGKILL before its ack shows up twice), prints READY once
 * subscribed, and on SIGTERM closes gracefully and exits 0.
 */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamStore } from '@sanctum/storage-core/spi';
import { createKafkaStreamStore } from '../../../src/kafka/index.js';
import { createRedisStreamStore } from '../../../src/redis/index.js';
import { MOCK_TUNING } from '../../support/kafka.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

const backend = env('BACKEND');
const namespace = env('NAMESPACE');
const ledger = env('LEDGER');
const workMs = Number(env('WORK_MS'));

const store: StreamStore =
  backend === 'redis'
    ? createRedisStreamStore({ url: env('REDIS_URL'), keyPrefix: 'crash:', reclaimIntervalMs: 200, reclaimGraceMs: 200 })
    : createKafkaStreamStore({ brokers: env('KAFKA_BROKERS').split(','), ...MOCK_TUNING });

await store.open?.();
const subscription = await store.subscribe({
  namespace,
  group: 'crash',
  // A new name per process: what the dead process held must come back through reclaim (Redis) or a rebalance (Kafka).
  consumer: `worker-${String(process.pid)}`,
  maxInFlight: Number(env('MAX_IN_FLIGHT')),
  maxDeliveries: 1_000,
  ackTimeoutMs: 1_000,
  handler: async (message) => {
    await sleep(workMs * Math.random() * 2);
    const { i } = JSON.parse(Buffer.from(message.payload).toString('utf8')) as { i: number };
    appendFileSync(ledger, `${String(i)}\n`);
  },
  onError: (error) => process.stderr.write(`onError: ${String(error)}\n`),
});
process.stdout.write('READY\n');

process.on('SIGTERM', () => {
  void (async () => {
    await subscription.close({ timeoutMs: 5_000 });
    await store.close?.();
    process.exit(0);
  })();
});
