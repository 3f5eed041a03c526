import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { resolveService } from '@sanctum/test-services';
// The scan itself lives with core's tests so every adapter package runs the very same scenario.
import { leakScan, producedBy } from '../../../storage-core/test/support/leak-scan.js';
import { redisStreams } from '../../src/redis/index.js';

const { url } = await resolveService('redis');
const keyPrefix = `leak-${randomBytes(4).toString('hex')}:`;

afterAll(async () => {
  const raw = createClient({ url });
  await raw.connect();
  const keys = await raw.keys(`${keyPrefix}*`);
  if (keys.length > 0) await raw.del(keys);
  await raw.close();
});

describe('leak scan over Redis Streams (handler error → log, span, dead-letter header)', () => {
  const options = () => ({
    adapters: { redis: { use: 'redis-streams', options: { url, keyPrefix } } },
    factories: [redisStreams()],
    stream: 'redis',
    blob: null,
  });

  it('with redaction on: 0 hits', async () => {
    const hits = await leakScan({ ...options(), suffix: 'on', redaction: true });
    expect(producedBy(hits).deadLetters).toBe(1);
    expect(hits).toEqual([]);
  });

  it('with redaction off the same scan finds the planted values, in the dead-letter header too', async () => {
    const hits = await leakScan({ ...options(), suffix: 'off', redaction: false });
    const found = new Set(hits.map((h) => h.planted));
    for (const planted of ['key', 'ssn', 'alice', 'secret'] as const) expect(found).toContain(planted);
    expect(hits.filter((h) => h.place.startsWith('dead-letter')).map((h) => h.planted)).toEqual(expect.arrayContaining(['key', 'ssn', 'alice', 'secret']));
  });
});
