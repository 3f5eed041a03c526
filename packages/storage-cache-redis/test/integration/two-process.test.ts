import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgresJs from 'postgres';
import { resolveService } from '@sanctum/test-services';
import { migrateUp } from '@sanctum/storage-postgres';
import { redisUrl, uniquePrefix } from '../support/redis.js';

const WORKER = fileURLToPath(new URL('./two-process/worker.ts', import.meta.url));
// Each key is rewritten every KEYS x pacingMs = 125 ms, longer than the 100 ms fill fence, so the
// reader's L1 holds every key between writes and only fan-out can clear it in time.
const KEYS = 5;

interface Ack {
  key: string;
  n: number;
  at: number;
}

function start(settings: Record<string, unknown>): { child: ChildProcess; next: () => Promise<Record<string, unknown>> } {
  const child = fork(WORKER, [JSON.stringify(settings)], { execArgv: ['--conditions=@sanctum/source', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox: Array<Record<string, unknown>> = [];
  const waiting: Array<(message: Record<string, unknown>) => void> = [];
  child.on('message', (message) => {
    const waiter = waiting.shift();
    if (waiter) waiter(message as Record<string, unknown>);
    else inbox.push(message as Record<string, unknown>);
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`worker exited with ${String(code)}`))));
  const next = () => Promise.race([inbox.length > 0 ? Promise.resolve(inbox.shift()!) : new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve)), exited]);
  return { child, next };
}

/** Runs a writer and a reader process; returns the p99 delay of eventual reads and strong-read violations. */
async function run(pgUrl: string, schema: string, writes: number, fanout: boolean) {
  const common = { pgUrl, schema, redisUrl, keyPrefix: uniquePrefix('two-process'), keys: KEYS, writes, pacingMs: 25, fanout };
  const writer = start({ ...common, role: 'writer' });
  await writer.next(); // keys created
  const reader = start({ ...common, role: 'reader' });
  await reader.next();
  await new Promise((resolve) => setTimeout(resolve, 300)); // the reader's L1 warms up
  writer.child.send('go');
  reader.child.send('go');
  const { acks } = (await writer.next()) as { acks: Ack[] };
  await new Promise((resolve) => setTimeout(resolve, 200));
  reader.child.send('stop');
  const { seen, strong } = (await reader.next()) as { seen: Ack[]; strong: Array<{ key: string; n: number; start: number }> };

  // Delay of version n = first eventual read of its key returning >= n, minus the writer's ack.
  const delays = acks.map((ack) => {
    const first = seen.find((s) => s.key === ack.key && s.n >= ack.n);
    return first === undefined ? Number.POSITIVE_INFINITY : Math.max(0, first.at - ack.at);
  });
  delays.sort((a, b) => a - b);
  const p99 = delays[Math.ceil(delays.length * 0.99) - 1]!;
  const violations = strong.filter((read) => {
    const newest = acks.filter((ack) => ack.key === read.key && ack.at < read.start).reduce((max, ack) => Math.max(max, ack.n), -1);
    return read.n < newest;
  });
  return { p99, median: delays[Math.floor(delays.length / 2)]!, violations, strongReads: strong.length, acks: acks.length };
}

describe('two processes on the rig\'s PostgreSQL and Redis (L1 + Redis)', () => {
  let pgUrl: string;
  const schema = `sanctum_t_twoproc_${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    pgUrl = (await resolveService('postgres')).url;
    await migrateUp({ url: pgUrl, schema });
  });
  afterAll(async () => {
    const admin = postgresJs(pgUrl, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`drop schema if exists "${schema}" cascade`);
    await admin.end({ timeout: 5 });
  });

  it('over 1,000 writes: B sees each version within 50 ms p99 of A\'s ack; strong reads never go back', async () => {
    const result = await run(pgUrl, schema, 1_050, true);
    console.log(`fan-out on: ${result.acks} writes, delay median ${result.median.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms; ${result.strongReads} strong reads`);
    expect(result.acks).toBeGreaterThan(1_000);
    expect(result.strongReads).toBeGreaterThan(500);
    expect(result.violations).toEqual([]);
    expect(result.p99).toBeLessThanOrEqual(50);
  });

  it('the same measurement fails with fan-out switched off', async () => {
    const result = await run(pgUrl, schema, 200, false);
    console.log(`fan-out off: delay median ${result.median.toFixed(1)} ms, p99 ${String(result.p99)} ms`);
    expect(result.p99).toBeGreaterThan(50);
  });
});
