import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { Kafka, logLevel } from 'kafkajs';
import type { Admin, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { resolveService } from '../src/index.js';

// Resolved at load time: a missing service fails this file (with instructions), it never skips.
const info = await resolveService('kafka');

// Locally this is librdkafka's mock cluster (tooling/services), under Docker Apache Kafka 3.9:
// only behaviour both implement is asserted here.
describe('kafka (real protocol: produce, consumer group, commit, resume)', () => {
  let kafka: Kafka;
  let producer: Producer;
  let admin: Admin;
  const topic = `smoke-${randomUUID()}`;
  const groupId = `smoke-group-${randomUUID()}`;

  beforeAll(async () => {
    kafka = new Kafka({
      clientId: 'sanctum-test-services',
      brokers: info.brokers,
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 100, retries: 10 },
    });
    producer = kafka.producer({ allowAutoTopicCreation: true });
    admin = kafka.admin();
    await Promise.all([producer.connect(), admin.connect()]);
  });

  afterAll(async () => {
    await Promise.allSettled([producer?.disconnect(), admin?.disconnect()]);
  });

  async function produce(values: string[]): Promise<void> {
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: value, value })) });
  }

  /** Joins `groupId`, commits each message after handling it, stops once `count` arrived (+ a grace period). */
  async function consumeInGroup(count: number, graceMs = 500): Promise<string[]> {
    // The mock delays the first join of a group by 3 s and a re-join of a known group by
    // sessionTimeout - 1 s (measured: 29 s with kafkajs' default 30 s session). 3 s sessions need
    // group.min.session.timeout.ms <= 3000 on Apache Kafka (set in infra/ and for testcontainers).
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 3000,
      rebalanceTimeout: 2000,
      heartbeatInterval: 300,
      maxWaitTimeInMs: 100,
      retry: { initialRetryTime: 100, retries: 10 },
    });
    const received: string[] = [];
    let reached!: () => void;
    const enough = new Promise<void>((resolve) => (reached = resolve));
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          received.push(message.value!.toString());
          await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
          if (received.length >= count) reached();
        },
      });
      await enough;
      await sleep(graceMs); // anything beyond `count` (e.g. redelivered old messages) would show up here
    } finally {
      await consumer.disconnect();
    }
    return received;
  }

  async function committedTotal(): Promise<number> {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (entry?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  }

  it('resumes a consumer group after its committed offsets', async () => {
    await produce(['m1', 'm2', 'm3']);

    const first = await consumeInGroup(3);
    expect(first.sort()).toEqual(['m1', 'm2', 'm3']);
    expect(await committedTotal()).toBe(3);

    await produce(['m4', 'm5']);

    // same group, fromBeginning: only the messages after the committed offsets arrive
    const second = await consumeInGroup(2);
    expect(second.sort()).toEqual(['m4', 'm5']);
    expect(await committedTotal()).toBe(5);
  });
});
