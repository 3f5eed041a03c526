// Child of claims.test.ts: a consumer of `events` in one group whose handler runs through
// idempotentHandler with claims on Redis — createRedisClaims, or (argv[3] === 'get-then-set') a
// read-then-write check standing in for a non-atomic claim. Each handler run is reported to the
// parent over IPC, so an id handled twice shows up as two reports.
import { createStorageClient, idempotentHandler, type IdempotencyClaims, type Message } from '@sanctum/storage-core';
import { redisStreams } from '@sanctum/storage-stream/redis';
import { createClient } from 'redis';
import { createRedisClaims } from '../../../src/index.js';

const { redisUrl, prefix } = JSON.parse(process.argv[2]!) as { redisUrl: string; prefix: string };
const mode = process.argv[3];

let claims: IdempotencyClaims & { close(): Promise<void> };
if (mode === 'get-then-set') {
  const raw = createClient({ url: redisUrl });
  await raw.connect();
  claims = {
    // Not atomic: two processes can both read "absent" and both go on.
    async claim(key, leaseMs) {
      if ((await raw.get(`${prefix}claims:${key}`)) !== null) return false;
      await raw.set(`${prefix}claims:${key}`, 'r', { expiration: { type: 'PX', value: leaseMs } });
      return true;
    },
    async complete(key, ttlMs) {
      await raw.set(`${prefix}claims:${key}`, 'd', { expiration: { type: 'PX', value: ttlMs } });
    },
    async release(key) {
      await raw.del(`${prefix}claims:${key}`);
    },
    close: async () => void (await raw.close()),
  };
} else {
  const redisClaims = createRedisClaims({ url: redisUrl, keyPrefix: `${prefix}claims:` });
  await redisClaims.open();
  claims = redisClaims;
}

const client = createStorageClient(
  {
    schemaVersion: 1,
    adapters: { bus: { use: 'redis-streams', options: { url: redisUrl, keyPrefix: prefix } } },
    namespaces: { events: { kind: 'stream', adapter: 'bus', maxInFlight: 4, maxDeliveries: 100 } },
  },
  { adapters: [redisStreams()] },
);
const handle = idempotentHandler(
  async (message: Message<{ i: number }>) => {
    // Slow enough that the two copies of a message overlap in the two processes.
    await new Promise((resolve) => setTimeout(resolve, 3));
    process.send!({ handled: message.headers['idempotency-key'], pid: process.pid });
  },
  { claims, leaseMs: 30_000 },
);
const subscription = await client.streams<{ i: number }>('events').subscribe('pair', handle, { consumer: `c${String(process.pid)}`, maxInFlight: 1 });
process.send!({ ready: true });
process.on('message', (message) => {
  if (message !== 'stop') return;
  void subscription
    .close()
    .then(() => client.close())
    .then(() => claims.close())
    .then(() => process.exit(0));
});
