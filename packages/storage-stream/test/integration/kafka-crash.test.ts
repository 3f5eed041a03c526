import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { resolveService } from '@sanctum/test-services';
import { createKafkaStreamStore, kafkaGroupId } from '../../src/kafka/index.js';
import { runCrashTest } from '../support/crash.js';
import { MOCK_TUNING } from '../support/kafka.js';

const { brokers } = await resolveService('kafka');

describe('Kafka crash recovery (librdkafka mock cluster)', () => {
  it('10 000 messages, consumers SIGKILLed 5 times: every message handled at least once, duplicates counted', async () => {
    const namespace = `crash-${randomBytes(4).toString('hex')}`;
    const total = 10_000;
    const store = createKafkaStreamStore({ brokers, ...MOCK_TUNING });
    await store.open!();
    for (let start = 0; start < total; start += 500) {
      const messages = Array.from({ length: Math.min(500, total - start) }, (_, k) => ({ payload: Buffer.from(JSON.stringify({ i: start + k })) }));
      await store.publish({ namespace, messages });
    }
    await store.close!();

    const report = await runCrashTest({
      backend: 'kafka',
      namespace,
      total,
      kills: 5,
      lifetimeMs: [300, 1_200],
      maxInFlight: 8,
      workMs: 8,
      env: { KAFKA_BROKERS: brokers.join(',') },
      finishWithinMs: 120_000,
    });

    expect(report.missing).toEqual([]);
    expect(report.distinct).toBe(total);
    expect(report.handledAtKill.every((handled) => handled < total)).toBe(true);
    // The group's committed offsets reach the end of every partition: nothing handled is left uncommitted.
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId: kafkaGroupId(namespace, 'crash'), topics: [namespace] });
      const ends = await admin.fetchTopicOffsets(namespace);
      for (const end of ends) {
        expect(committed!.partitions.find((p) => p.partition === end.partition)?.offset).toBe(end.high);
      }
    } finally {
      await admin.disconnect();
    }
  });
});
