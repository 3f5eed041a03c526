import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { resolveService } from '@sanctum/test-services';
import { createRedisStreamStore } from '../../src/redis/index.js';
import { runCrashTest } from '../support/crash.js';

const { url } = await resolveService('redis');
const raw = createClient({ url });
await raw.connect();
afterAll(() => raw.close());

describe('Redis Streams crash recovery', () => {
  it('10 000 messages, consumers SIGKILLed 6 times: every message handled at least once, duplicates counted', async () => {
    const namespace = `crash-${randomBytes(4).toString('hex')}`;
    const total = 10_000;
    const store = createRedisStreamStore({ url, keyPrefix: 'crash:' });
    await store.open!();
    for (let start = 0; start < total; start += 500) {
      const messages = Array.from({ length: Math.min(500, total - start) }, (_, k) => ({ payload: Buffer.from(JSON.stringify({ i: start + k })) }));
      await store.publish({ namespace, messages });
    }
    await store.close!();

    const report = await runCrashTest({
      backend: 'redis',
      namespace,
      total,
      kills: 6,
      lifetimeMs: [200, 900],
      maxInFlight: 8,
      workMs: 8,
      env: { REDIS_URL: url },
      finishWithinMs: 90_000,
    });

    expect(report.missing).toEqual([]);
    expect(report.distinct).toBe(total);
    expect(report.handledAtKill.every((handled) => handled < total)).toBe(true);
    // Everything the dead consumers held was reclaimed and acked: nothing is left pending.
    const pending = (await raw.sendCommand(['XPENDING', `crash:${namespace}`, 'crash'])) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
    await raw.del(`crash:${namespace}`);
  });
});
