import { afterAll } from 'vitest';
import { createClient } from 'redis';
import { resolveService } from '@sanctum/test-services';
import { createRedisStreamStore } from '../../src/redis/index.js';
import { registerBehaviour } from '../support/behaviour.js';
import { createStallProxy } from '../support/stall-proxy.js';

const { url } = await resolveService('redis');
const raw = createClient({ url });
await raw.connect();
afterAll(() => raw.close());
const prefix = 'behaviour:';

registerBehaviour({
  title: 'Redis Streams',
  create: () => createRedisStreamStore({ url, keyPrefix: prefix }),
  async createStallable(maxPendingPublishes) {
    const target = new URL(url);
    const proxy = await createStallProxy(target.hostname, Number(target.port || 6379));
    target.port = String(proxy.port);
    return { store: createRedisStreamStore({ url: target.toString(), keyPrefix: prefix, maxPendingPublishes }), proxy };
  },
  // The group's pending entries list: what Redis itself counts as delivered and unacked.
  async unacked(namespace, group) {
    const summary = (await raw.sendCommand(['XPENDING', prefix + namespace, group])) as [number, ...unknown[]];
    return summary[0];
  },
});
