// The outbox crash scenario: the app (transactions that publish through the outbox) and two relays
// run as child processes and are SIGKILLed at random points, again and again; a consumer with the
// idempotent helper (claim + effect in one PostgreSQL transaction) runs in this process. Everything
// is checked against PostgreSQL afterwards. Used by test/integration/outbox-crash.test.ts (small
// profile) and by `pnpm --filter @sanctum/storage-postgres outbox:crash` (10k transactions).
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import postgresJs from 'postgres';
import { idempotentTransaction, type Message } from '@sanctum/storage-core';
import { resolveService } from '@sanctum/test-services';
import { migrateUp } from '../../src/index.js';
import { scenarioClient, type OrderEvent, type Scenario } from './setup.js';
import { bundleChildren } from './children.js';

export interface CrashOptions {
  /** Transactions the app attempts (every 10th rolls back). */
  readonly total: number;
  /** Least SIGKILLs of the app and of the relays each. */
  readonly kills: number;
  readonly relays?: number;
  readonly log?: (line: string) => void;
}

export interface CrashReport {
  readonly attempted: number;
  readonly committed: number;
  readonly kills: { readonly app: number; readonly relay: number };
  /** Stream entries the consumer saw (duplicates included). */
  readonly deliveries: number;
  /** Committed messages delivered at least once. */
  readonly delivered: number;
  /** Deliveries beyond the first of an outbox id. */
  readonly duplicates: number;
  /** Committed transactions whose message never arrived. */
  readonly missing: number[];
  /** Delivered messages of rolled-back or unknown transactions. */
  readonly unexpected: number[];
  /** Pairs of one key's messages that arrived out of commit order (first deliveries). */
  readonly orderViolations: number;
  /** Committed messages whose handler effect is not exactly one row in PostgreSQL. */
  readonly effectErrors: number;
  /** Handler runs skipped by the helper (duplicates it recognised). */
  readonly seconds: number;
}

interface Child {
  readonly name: 'app' | 'relay';
  process: ChildProcess;
  ready: boolean;
  readyAt: number;
  finished: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function streamOrder(id: string): [number, number] {
  const [ms, seq] = id.split('-');
  return [Number(ms), Number(seq)];
}

export async function runCrashScenario(options: CrashOptions): Promise<CrashReport> {
  const started = performance.now();
  const log = (line: string) => options.log?.(`${((performance.now() - started) / 1000).toFixed(1)}s ${line}`);
  const pgUrl = (await resolveService('postgres')).url;
  const redisUrl = (await resolveService('redis')).url;
  const tag = randomBytes(4).toString('hex');
  const schema = `sanctum_t_crash_${tag}`;
  await migrateUp({ url: pgUrl, schema });
  const scenario: Scenario = { pgUrl, schema, redisUrl, redisPrefix: `outbox-crash-${tag}:` };
  const admin = postgresJs(pgUrl, { max: 2, onnotice: () => undefined });
  const client = await scenarioClient(scenario);
  const bundle = await bundleChildren();
  log('children bundled');
  const children: Child[] = [];
  const kills = { app: 0, relay: 0 };
  let stopping = false;
  try {
    // The consumer: every delivery is logged; the effect and the claim share one transaction.
    const deliveries: Array<{ streamId: string; outboxId: string; event: OrderEvent }> = [];
    const handle = idempotentTransaction(client.records('handled'), async (message: Message<OrderEvent>, tx) => {
      await tx.records('effects').put(`e/${String(message.payload.i)}/${randomUUID()}`, { i: message.payload.i });
    });
    const subscription = await client.streams<OrderEvent>('events').subscribe(
      'crash',
      async (message) => {
        deliveries.push({ streamId: message.id, outboxId: message.headers['idempotency-key'] ?? '?', event: message.payload });
        await handle(message);
      },
      { maxInFlight: 32 },
    );

    const spawnChild = (name: Child['name'], args: string[]): Child => {
      const child: Child = { name, process: undefined as never, ready: false, readyAt: 0, finished: false };
      const start = () => {
        const proc = bundle.spawn(name, [JSON.stringify(scenario), ...args]);
        child.process = proc;
        child.ready = false;
        proc.stdout!.on('data', (chunk: Buffer) => {
          const text = chunk.toString();
          if (text.includes('ready')) {
            child.ready = true;
            child.readyAt = performance.now();
            log(`${name} ready`);
          }
          if (text.includes('done')) child.finished = true;
        });
        proc.stderr!.on('data', (chunk: Buffer) => log(`[${name}] ${chunk.toString().trim()}`));
        proc.on('exit', (code, signal) => {
          if (stopping || (child.finished && code === 0)) return;
          if (signal !== 'SIGKILL') log(`${name} exited with ${String(code)} ${String(signal)}; restarting`);
          setTimeout(start, 50);
        });
      };
      start();
      children.push(child);
      return child;
    };

    // Paced so the app's own run lasts about 2.5 s per planned kill even on an idle machine (the
    // killer alternates app and relays and waits 0.35-1.75 s per turn); a slower machine only adds.
    const workers = 4;
    const paceMs = Math.ceil((options.kills * 2_500 * workers) / options.total);
    const app = spawnChild('app', [String(options.total), String(workers), String(paceMs)]);
    const relays = Array.from({ length: options.relays ?? 2 }, () => spawnChild('relay', ['100']));

    // The killer: SIGKILL a ready child at a random moment, alternating app and relays.
    let turn = 0;
    for (;;) {
      await sleep(150 + Math.random() * 600);
      if (app.finished && kills.app < options.kills) throw new Error(`the app finished after only ${String(kills.app)} kills; raise total`);
      const appDue = kills.app < options.kills;
      const relayDue = kills.relay < options.kills;
      if (!appDue && !relayDue) {
        if (app.finished) break;
        continue;
      }
      const wantApp = appDue && (!relayDue || turn % 2 === 0);
      turn += 1;
      const target = wantApp ? app : relays[Math.floor(Math.random() * relays.length)]!;
      if (!target.ready || performance.now() - target.readyAt < 200 + Math.random() * 800) continue;
      target.ready = false;
      target.process.kill('SIGKILL');
      kills[target.name] += 1;
      log(`killed ${target.name} (app ${String(kills.app)}, relay ${String(kills.relay)})`);
    }
    log('app finished; draining');

    const table = `"${schema}"."records"`;
    const [{ committed }] = (await admin.unsafe(`select count(*)::int as committed from ${table} where namespace = 'orders' and key like 'o/%'`)) as unknown as [{ committed: number }];
    const deadline = Date.now() + 120_000;
    for (;;) {
      const [row] = (await admin.unsafe(
        `select (select count(*) from "${schema}"."records_outbox" where status = 0)::int as pending,
                (select count(distinct value->>'i') from ${table} where namespace = 'effects')::int as effected`,
      )) as unknown as [{ pending: number; effected: number }];
      if (row.pending === 0 && row.effected >= committed) break;
      if (Date.now() > deadline) {
        log(`drain timed out: pending ${String(row.pending)}, effected ${String(row.effected)} of ${String(committed)}`);
        break;
      }
      await sleep(100);
    }
    // Let late redeliveries (reclaims of entries a killed... consumer never had) settle briefly.
    await sleep(500);
    stopping = true;
    for (const relay of relays) relay.process.kill('SIGTERM');
    await subscription.close();

    const orders = (await admin.unsafe(`select (value->>'i')::int as i, value->>'key' as key from ${table} where namespace = 'orders' and key like 'o/%'`)) as unknown as Array<{ i: number; key: string }>;
    const committedSet = new Set(orders.map((o) => o.i));
    const sorted = [...deliveries].sort((a, b) => {
      const [am, as] = streamOrder(a.streamId);
      const [bm, bs] = streamOrder(b.streamId);
      return am - bm || as - bs;
    });
    const firstByOutbox = new Map<string, (typeof sorted)[number]>();
    for (const d of sorted) if (!firstByOutbox.has(d.outboxId)) firstByOutbox.set(d.outboxId, d);
    const deliveredI = new Set<number>();
    const unexpected: number[] = [];
    for (const d of firstByOutbox.values()) {
      if (d.event.rollback === true || !committedSet.has(d.event.i)) unexpected.push(d.event.i);
      else deliveredI.add(d.event.i);
    }
    const missing = orders.filter((o) => !deliveredI.has(o.i)).map((o) => o.i);
    let orderViolations = 0;
    const lastOfKey = new Map<string, number>();
    for (const d of firstByOutbox.values()) {
      const last = lastOfKey.get(d.event.key);
      if (last !== undefined && d.event.i < last) orderViolations += 1;
      lastOfKey.set(d.event.key, Math.max(last ?? -1, d.event.i));
    }
    const effects = (await admin.unsafe(`select (value->>'i')::int as i, count(*)::int as n from ${table} where namespace = 'effects' group by 1`)) as unknown as Array<{ i: number; n: number }>;
    const effectCount = new Map(effects.map((e) => [e.i, e.n]));
    let effectErrors = 0;
    for (const o of orders) if (effectCount.get(o.i) !== 1) effectErrors += 1;
    for (const e of effects) if (!committedSet.has(e.i)) effectErrors += 1;
    return {
      attempted: options.total,
      committed,
      kills,
      deliveries: deliveries.length,
      delivered: deliveredI.size,
      duplicates: deliveries.length - firstByOutbox.size,
      missing,
      unexpected,
      orderViolations,
      effectErrors,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    stopping = true;
    for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
    await client.close().catch(() => undefined);
    await bundle.remove();
    await admin.unsafe(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await admin.end({ timeout: 5 });
  }
}
