// `outbox relay` on the rig (PostgreSQL + Redis): --once, SIGTERM mid-run losing nothing, a terminal.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorageClient, relayOutboxOnce, type StorageClient } from '@sanctum/storage-core';
import { postgresRecords } from '@sanctum/storage-postgres';
import { redisStreams } from '@sanctum/storage-stream/redis';
import { BIN, cli as run, json, type Run } from '../support/run.js';
import { RIG_ENV } from '../support/rig.js';
import { haveTmux, TmuxRun } from '../support/tmux.js';

const tag = randomBytes(4).toString('hex');
// One schema for every run (no schema left behind per run); each run's messages carry its tag.
const schema = 'sanctum_cli_outbox';
let dir: string;
let configFile: string;
let client: StorageClient;

const config = {
  schemaVersion: 1,
  adapters: {
    pg: { use: 'postgres', options: { url: { $env: 'STORAGE_TEST_POSTGRES_URL' }, schema, migrate: 'on-start' } },
    redis: { use: 'redis-streams', options: { url: { $env: 'STORAGE_TEST_REDIS_URL' }, keyPrefix: `cli-outbox-${tag}:` } },
  },
  namespaces: {
    orders: { kind: 'record', adapter: 'pg' },
    events: { kind: 'stream', adapter: 'redis', maxInFlight: 256 },
  },
};

const cli = (...args: string[]): Promise<Run> => run(['--config', configFile, ...args], { env: RIG_ENV, cwd: dir });

interface Event {
  readonly run: string;
  readonly n: number;
  readonly key: string;
}

let next = 0;
/** `count` transactions, each writing a record and publishing `perTx` messages; returns their outbox ids. */
async function enqueue(count: number, perTx = 1): Promise<string[]> {
  const ids: string[] = [];
  for (let t = 0; t < count; t++) {
    await client.records('orders').transaction(async (tx) => {
      for (let m = 0; m < perTx; m++) {
        const n = next++;
        const key = `k${String(n % 5)}`;
        await tx.put(`o/${String(n)}`, { n });
        ids.push((await tx.streams<Event>('events').publish({ run: tag, n, key }, { key })).id);
      }
    });
  }
  return ids;
}

/** Everything in `events` (a new group from the start), once `expected` ids arrived and 1 s passed quietly. */
async function delivered(expected: ReadonlySet<string>): Promise<Array<{ id: string; key: string; n: number }>> {
  const seen: Array<{ id: string; key: string; n: number }> = [];
  let last = Date.now();
  const sub = await client.streams<Event>('events').subscribe(
    `check-${randomBytes(3).toString('hex')}`,
    async (m) => {
      if (m.payload.run !== tag) return; // left by an earlier run that stopped before draining
      seen.push({ id: m.headers['outbox-id']!, key: m.payload.key, n: m.payload.n });
      last = Date.now();
    },
    { from: 'earliest' },
  );
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      const ids = new Set(seen.map((s) => s.id));
      if ([...expected].every((id) => ids.has(id)) && Date.now() - last > 1_000) break;
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await sub.close();
  }
  return seen;
}

/** Per key, the transaction numbers must rise (the relay keeps per-key order). */
function orderViolations(seen: ReadonlyArray<{ key: string; n: number }>): number {
  const lastOf = new Map<string, number>();
  let violations = 0;
  for (const { key, n } of seen) {
    if ((lastOf.get(key) ?? -1) > n) violations++;
    lastOf.set(key, Math.max(n, lastOf.get(key) ?? -1));
  }
  return violations;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sanctum-cli-outbox-'));
  configFile = join(dir, 'outbox.json');
  await writeFile(configFile, JSON.stringify(config));
  client = createStorageClient(
    {
      ...config,
      adapters: {
        pg: { use: 'postgres', options: { url: RIG_ENV['STORAGE_TEST_POSTGRES_URL']!, schema, migrate: 'on-start' } },
        redis: { use: 'redis-streams', options: { url: RIG_ENV['STORAGE_TEST_REDIS_URL']!, keyPrefix: `cli-outbox-${tag}:` } },
      },
    },
    { adapters: [postgresRecords(), redisStreams()] },
  );
  // Rows an earlier run left pending would count in this run's summaries: send them off first.
  while ((await relayOutboxOnce({ client, adapter: 'pg', batchSize: 1000 })).claimed > 0);
});

afterAll(async () => {
  await client?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('sanctum-storage outbox relay (PostgreSQL + Redis)', () => {
  it('--once --json drains the outbox: one line per batch, a summary, every message once in per-key order', async () => {
    const ids = await enqueue(30);
    const r = await cli('--json', 'outbox', 'relay', '--once', '--batch-size', '8');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { batch?: { adapter: string; sent: number }; summary?: Record<string, unknown> });
    const batches = lines.filter((l) => l.batch !== undefined);
    expect(batches.length).toBeGreaterThanOrEqual(4);
    expect(batches.every((b) => b.batch!.adapter === 'pg')).toBe(true);
    expect(lines.at(-1)!.summary).toMatchObject({ sent: 30, failed: 0, dead: 0, pending: 0, stoppedBy: 'drained' });
    const seen = await delivered(new Set(ids));
    expect(seen.map((s) => s.id).sort()).toEqual([...ids].sort());
    expect(orderViolations(seen)).toBe(0);
    // Nothing left: a second run sends nothing.
    expect(json(await cli('--json', 'outbox', 'relay', '--once'))).toMatchObject({ summary: { sent: 0, pending: 0 } });
  }, 180_000);

  it('SIGTERM mid-run: the batch in hand is finished, exit 0; nothing lost, nothing sent twice', async () => {
    const before = next;
    const child = spawn(process.execPath, [BIN, '--config', configFile, '--json', 'outbox', 'relay', '--batch-size', '10'], { env: { ...process.env, ...RIG_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Array<{ batch?: { sent: number }; summary?: { sent: number; stoppedBy: string } }> = [];
    createInterface({ input: child.stdout }).on('line', (line) => lines.push(JSON.parse(line) as (typeof lines)[number]));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const ids: string[] = [];
    // Keep the relay busy: transactions of 10 messages while it runs; SIGTERM lands amid batches.
    const deadline = Date.now() + 90_000;
    while (lines.filter((l) => l.batch !== undefined).length < 20 && Date.now() < deadline) ids.push(...(await enqueue(1, 10)));
    child.kill('SIGTERM');
    ids.push(...(await enqueue(5, 10))); // committed while it stops
    const code = await exited;
    expect(code, stderr).toBe(0);
    const summary = lines.at(-1)!.summary!;
    expect(summary.stoppedBy).toBe('signal');
    expect(lines.filter((l) => l.batch !== undefined).length).toBeGreaterThanOrEqual(20); // one line per batch
    expect(summary.sent).toBe(lines.reduce((n, l) => n + (l.batch?.sent ?? 0), 0));
    // The rest goes out with --once.
    const drained = await cli('--json', 'outbox', 'relay', '--once');
    expect(drained.code, drained.stderr).toBe(0);
    const all = (await delivered(new Set(ids))).filter((s) => s.n >= before);
    const counts = new Map<string, number>();
    for (const s of all) counts.set(s.id, (counts.get(s.id) ?? 0) + 1);
    expect(ids.filter((id) => !counts.has(id))).toEqual([]); // none lost
    expect([...counts.values()].filter((c) => c > 1)).toEqual([]); // the batch in hand was marked sent
    expect(orderViolations(all)).toBe(0);
  }, 240_000);

  it.runIf(haveTmux())('on a terminal: a status line with sent, pending and lag; Ctrl-C stops it with exit 0', async () => {
    await enqueue(40);
    const env = Object.entries(RIG_ENV)
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ');
    const tty = await TmuxRun.start(`cd '${dir}' && env ${env} '${process.execPath}' '${BIN}' --config '${configFile}' outbox relay --batch-size 5`);
    try {
      await tty.waitFor(/outbox pg: sent \d+ \(\d+ msg\/s\) {2}pending \d+ {2}lag \d+\.\d s/, 90_000);
      await tty.waitFor(/sent 40 .*pending 0/, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await tty.keys('C-c');
      const screen = await tty.waitFor(/EXIT=\d+/, 30_000);
      expect(screen).toMatch(/outbox relay stopped: 40 sent, 0 failed, 0 dead-lettered/);
      expect(screen).toMatch(/EXIT=0/);
    } finally {
      await tty.close();
    }
  }, 180_000);

  it('usage errors: an adapter that is not a postgres one (exit 2)', async () => {
    const r = await cli('--json', 'outbox', 'relay', '--once', '--adapter', 'redis');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--adapter redis: not a record adapter with an outbox .*\(those: pg\)/);
  }, 60_000);
});
