/**
 * A CPU-profile driver for the Redis publish path: `BATCH=1|100 C=32 N=100000 SIDE=facade|adapter|raw
 * PROFILE=out.cpuprofile node --conditions=@sanctum/source --import tsx bench/profile-publish.ts`
 * (under the heavy-job lock). Prints the rate and the process CPU per message; PROFILE writes a CPU
 * profile of the timed phase alone (read it in Chrome DevTools). The raw side does what
 * throughput.ts's raw side does. Not a benchmark: it only explains one.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createStorageClient } from '@sanctum/storage-core';
import { resolveService } from '@sanctum/test-services';
import { createClient } from 'redis';
import { createRedisStreamStore, redisStreams } from '@sanctum/storage-stream/redis';

const BATCH = Number(process.env['BATCH'] ?? 1);
const C = Number(process.env['C'] ?? 32);
const TOTAL = Number(process.env['N'] ?? 100_000);
const SIDE = process.env['SIDE'] ?? 'facade';
const PROFILE = process.env['PROFILE'];
const { url } = await resolveService('redis');
const name = `prof-${randomBytes(3).toString('hex')}`;
const prefix = 'bench:';
const client = createStorageClient(
  { schemaVersion: 1, adapters: { redis: { use: 'redis-streams', options: { url, keyPrefix: prefix } } }, namespaces: { [name]: { kind: 'stream', adapter: 'redis' } } },
  { adapters: [redisStreams()] },
);
const raw = createClient({ url });
await raw.connect();
const store = createRedisStreamStore({ url, keyPrefix: prefix });
await store.open!();
const payload = { data: 'x'.repeat(1024 - 11) };
const topic = client.streams<typeof payload>(name);
const batch = Array.from({ length: BATCH }, () => ({ payload }));
const bytes = () => ({ payload: Buffer.from(JSON.stringify(payload)) });
const key = prefix + name;
const one: Record<string, () => Promise<unknown>> = {
  facade: () => (BATCH === 1 ? topic.publish(payload) : topic.publishBatch(batch)),
  adapter: () => store.publish({ namespace: name, messages: Array.from({ length: BATCH }, bytes) }),
  raw: () => {
    if (BATCH === 1) return raw.sendCommand(['XADD', key, '*', 'p', Buffer.from(JSON.stringify(payload))]);
    const pipeline = raw.multi();
    for (let j = 0; j < BATCH; j += 1) pipeline.addCommand(['XADD', key, '*', 'p', Buffer.from(JSON.stringify(payload))]);
    return pipeline.execAsPipeline();
  },
};
const run = one[SIDE]!;
await run(); // connect outside the timing
const session = new Session();
if (PROFILE !== undefined) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
let sent = 0;
const cpu = process.cpuUsage();
const started = performance.now();
await Promise.all(
  Array.from({ length: C }, async () => {
    while (sent < TOTAL) {
      sent += BATCH;
      await run();
    }
  }),
);
const elapsed = performance.now() - started;
const spent = process.cpuUsage(cpu);
if (PROFILE !== undefined) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(PROFILE, JSON.stringify(profile));
}
console.log(
  `${SIDE} batch ${String(BATCH)} c=${String(C)}: ${(sent / (elapsed / 1000)).toFixed(0)} msg/s, ${((spent.user + spent.system) / sent).toFixed(2)} µs CPU/msg`,
);
await store.close!();
await client.close();
await raw.del(key);
await raw.quit();
