/**
 * A CPU-profile driver for the Redis consume path: `COUNT=1|100 N=100000 SIDE=facade|raw
 * PROFILE=out.cpuprofile node --conditions=@sanctum/source --import tsx bench/profile-consume.ts`
 * (under the heavy-job lock). Fills a stream with N 1 KiB JSON messages, then consumes them through
 * the facade with `maxInFlight: COUNT` (or raw: XREADGROUP COUNT then XACK, like throughput.ts),
 * printing the rate and the process CPU per message; PROFILE writes a CPU profile of the consume
 * phase alone (the fill is left out). Not a benchmark.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { randomBytes } from 'node:crypto';
import { createStorageClient } from '@sanctum/storage-core';
import { resolveService } from '@sanctum/test-services';
import { createClient } from 'redis';
import { redisStreams } from '@sanctum/storage-stream/redis';

const COUNT = Number(process.env['COUNT'] ?? 100);
const TOTAL = Number(process.env['N'] ?? 100_000);
const { url } = await resolveService('redis');
const name = `prof-${randomBytes(3).toString('hex')}`;
const prefix = 'bench:';
const raw = createClient({ url });
await raw.connect();
const encoded = Buffer.from(JSON.stringify({ data: 'x'.repeat(1024 - 11) }));
for (let i = 0; i < TOTAL; i += 500) {
  const pipeline = raw.multi();
  for (let j = 0; j < Math.min(500, TOTAL - i); j += 1) pipeline.addCommand(['XADD', prefix + name, '*', 'p', encoded]);
  await pipeline.execAsPipeline();
}
/** Calls of the stream commands so far (server-wide: other clients' calls count too). */
const commandCalls = async (): Promise<Record<string, number>> => {
  const text = (await raw.sendCommand(['INFO', 'commandstats'])) as string;
  const calls: Record<string, number> = {};
  for (const match of text.matchAll(/cmdstat_(xreadgroup|xack|evalsha|xautoclaim):calls=(\d+)/g)) calls[match[1]!] = Number(match[2]);
  return calls;
};
const callsBefore = await commandCalls();
const SIDE = process.env['SIDE'] ?? 'facade';
const PROFILE = process.env['PROFILE'];
const session = new Session();
if (PROFILE !== undefined) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const client = createStorageClient(
  { schemaVersion: 1, adapters: { redis: { use: 'redis-streams', options: { url, keyPrefix: prefix } } }, namespaces: { [name]: { kind: 'stream', adapter: 'redis' } } },
  { adapters: [redisStreams()] },
);
let seen = 0;
let started = 0;
let cpu = process.cpuUsage();
let done!: () => void;
const finished = new Promise<void>((resolve) => (done = resolve));
const rawConsume = async () => {
  const key = prefix + name;
  await raw.sendCommand(['XGROUP', 'CREATE', key, 'g', '0']);
  started = performance.now();
  cpu = process.cpuUsage();
  while (seen < TOTAL) {
    const reply = (await raw.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', String(COUNT), 'BLOCK', '1000', 'STREAMS', key, '>'])) as
      | [[string, [string, string[]][]]]
      | null;
    const entries = reply?.[0]?.[1] ?? [];
    for (const [, fields] of entries) JSON.parse(fields[1]!);
    if (entries.length > 0) await raw.sendCommand(['XACK', key, 'g', ...entries.map(([id]) => id)]);
    seen += entries.length;
  }
  done();
  return { close: async () => undefined };
};
const subscription = SIDE === 'raw' ? await rawConsume() : await client.streams(name).subscribe(
  'g',
  async () => {
    seen += 1;
    if (seen === 1) {
      started = performance.now();
      cpu = process.cpuUsage();
    }
    if (seen === TOTAL) done();
  },
  { maxInFlight: COUNT, consumer: 'prof' },
);
await finished;
const spent = process.cpuUsage(cpu);
if (PROFILE !== undefined) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(PROFILE, JSON.stringify(profile));
}
const callsAfter = await commandCalls();
const per100 = Object.entries(callsAfter)
  .map(([name, calls]) => `${name} ${((100 * (calls - (callsBefore[name] ?? 0))) / TOTAL).toFixed(2)}`)
  .join(', ');
console.log(`commands per 100 messages: ${per100}`);
console.log(
  `${SIDE} consume count ${String(COUNT)}: ${(TOTAL / ((performance.now() - started) / 1000)).toFixed(0)} msg/s, ${((spent.user + spent.system) / TOTAL).toFixed(2)} µs CPU/msg`,
);
await subscription.close();
await client.close();
await raw.del([prefix + name, `${prefix + name}.dead-letter`]);
await raw.quit();
