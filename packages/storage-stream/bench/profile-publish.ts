/**
 * A CPU-profile driver for the facade's Redis publish path: `BATCH=1|100 C=32 node --cpu-prof
 * --conditions=@sanctum/source --import tsx bench/profile-publish.ts` (under the heavy-job lock),
 * then read the .cpuprofile in Chrome DevTools. Not a benchmark: it only produces the profile.
 */
import { randomBytes } from 'node:crypto';
import { createStorageClient } from '@sanctum/storage-core';
import { resolveService } from '@sanctum/test-services';
import { createClient } from 'redis';
import { redisStreams } from '../src/redis/index.js';

const BATCH = Number(process.env['BATCH'] ?? 1);
const C = Number(process.env['C'] ?? 32);
const TOTAL = Number(process.env['N'] ?? 100_000);
const { url } = await resolveService('redis');
const name = `prof-${randomBytes(3).toString('hex')}`;
const prefix = 'bench:';
const client = createStorageClient(
  { schemaVersion: 1, adapters: { redis: { use: 'redis-streams', options: { url, keyPrefix: prefix } } }, namespaces: { [name]: { kind: 'stream', adapter: 'redis' } } },
  { adapters: [redisStreams()] },
);
const payload = { data: 'x'.repeat(1024 - 11) };
const topic = client.streams<typeof payload>(name);
const batch = Array.from({ length: BATCH }, () => ({ payload }));
await topic.publish(payload);
let sent = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: C }, async () => {
    while (sent < TOTAL) {
      sent += BATCH;
      if (BATCH === 1) await topic.publish(payload);
      else await topic.publishBatch(batch);
    }
  }),
);
console.log(`batch ${String(BATCH)} c=${String(C)}: ${(sent / ((performance.now() - started) / 1000)).toFixed(0)} msg/s`);
await client.close();
const raw = createClient({ url });
await raw.connect();
await raw.del(prefix + name);
await raw.quit();
