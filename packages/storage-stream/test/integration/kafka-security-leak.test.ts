import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolveService } from '@sanctum/test-services';
// The same scenario as the Redis and record/blob adapters run: core's leak scan.
import { leakScan, producedBy } from '../../../storage-core/test/support/leak-scan.js';
import { kafkaStreams } from '../../src/kafka/index.js';
import { MOCK_TUNING } from '../support/kafka.js';

const { brokers } = await resolveService('kafka');

describe('leak scan over Kafka (handler error → log, span, dead-letter header)', () => {
  // A topic prefix per test: each run's topics, groups and dead letters are its own.
  const options = () => ({
    adapters: { kafka: { use: 'kafka', options: { brokers, topicPrefix: `leak-${randomBytes(4).toString('hex')}.`, ...MOCK_TUNING } } },
    factories: [kafkaStreams()],
    stream: 'kafka',
    blob: null,
  });

  it('with redaction on: 0 hits', async () => {
    const hits = await leakScan({ ...options(), suffix: 'on', redaction: true });
    expect(producedBy(hits).deadLetters).toBe(1);
    expect(hits).toEqual([]);
  }, 60_000);

  it('with redaction off the same scan finds the planted values, in the dead-letter header too', async () => {
    const hits = await leakScan({ ...options(), suffix: 'off', redaction: false });
    const found = new Set(hits.map((h) => h.planted));
    for (const planted of ['key', 'ssn', 'alice', 'secret'] as const) expect(found).toContain(planted);
    expect(hits.filter((h) => h.place.startsWith('dead-letter')).map((h) => h.planted)).toEqual(expect.arrayContaining(['key', 'ssn', 'alice', 'secret']));
  }, 60_000);
});
