import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveService } from '@sanctum/test-services';
import { adminClient, migratedSchema, type TestSchema } from './support.js';
import { runCrashScenario } from '../outbox/crash.js';
import { scenarioClient, type OrderEvent, type Scenario } from '../outbox/setup.js';
import { bundleChildren } from '../outbox/children.js';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const schemas: TestSchema[] = [];
afterAll(async () => {
  for (const db of schemas) await db.drop();
});

describe('outbox under crashes (real child processes)', () => {
  // CI profile; the full 10k profile: `pnpm --filter @sanctum/storage-postgres outbox:crash`.
  const total = Number(process.env['OUTBOX_CRASH_TOTAL'] ?? '1000');
  it(`app and two relays SIGKILLed ≥ 5 times each during ${String(total)} transactions: every committed message arrives, none rolled back, per-key order, effects exactly once`, async () => {
    const report = await runCrashScenario({ total, kills: 5, log: (line) => void (process.env['OUTBOX_CRASH_LOG'] === '1' && console.log(line)) });
    console.log(`outbox crash report: ${JSON.stringify({ ...report, missing: report.missing.length, unexpected: report.unexpected.length })}`);
    expect(report.kills.app).toBeGreaterThanOrEqual(5);
    expect(report.kills.relay).toBeGreaterThanOrEqual(5);
    expect(report.committed).toBe(total - Math.floor((total + 2) / 10));
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.delivered).toBe(report.committed);
    expect(report.orderViolations).toBe(0);
    expect(report.effectErrors).toBe(0);
  }, 600_000);

  it('two consumer processes on one group with the helper over PostgreSQL claims: no message id handled twice', async () => {
    const db = await migratedSchema('pair');
    schemas.push(db);
    const scenario: Scenario = { pgUrl: db.url, schema: db.schema, redisUrl: (await resolveService('redis')).url, redisPrefix: `outbox-pair-${randomBytes(4).toString('hex')}:` };
    const client = await scenarioClient(scenario);
    const bundle = await bundleChildren();
    const children: ChildProcess[] = [];
    const admin = adminClient(db.url, 1);
    try {
      const ready: Array<Promise<void>> = [];
      for (let c = 0; c < 2; c++) {
        const child = bundle.spawn('consumer', [JSON.stringify(scenario), 'pair', '1']);
        child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
        children.push(child);
        ready.push(new Promise((resolve) => child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve())));
      }
      await Promise.all(ready);
      // Every message twice in a row (same idempotency key): with one message in flight per
      // consumer, the two copies go to the two processes at the same moment.
      const n = 200;
      const events = client.streams<OrderEvent>('events');
      for (let i = 0; i < n; i += 20) {
        await events.publishBatch(
          Array.from({ length: 20 }, (_, j) => [i + j, i + j]).flat().map((k) => ({ payload: { i: k, key: `k${String(k % 7)}` }, headers: { 'idempotency-key': `m-${String(k)}` } })),
        );
      }
      const table = `"${db.schema}"."records"`;
      const deadline = Date.now() + 120_000;
      for (;;) {
        const [row] = await admin.unsafe(`select count(distinct split_part(key, '/', 2))::int as ids from ${table} where namespace = 'effects'`);
        if (row!['ids'] === n) break;
        if (Date.now() > deadline) throw new Error(`only ${String(row!['ids'])} of ${String(n)} ids handled`);
        await sleep(100);
      }
      await sleep(1_000); // let any second run of a copy finish
      const rows = await admin.unsafe(`select split_part(key, '/', 2) as id, count(*)::int as runs, count(distinct value->>'by')::int as pids from ${table} where namespace = 'effects' group by 1`);
      const twice = rows.filter((r) => r['runs'] !== 1);
      const [pids] = await admin.unsafe(`select count(distinct value->>'by')::int as n from ${table} where namespace = 'effects'`);
      console.log(`two consumers: ${String(rows.length)} ids, ${String(twice.length)} handled more than once, handled by ${String(pids!['n'])} processes`);
      expect(rows).toHaveLength(n);
      expect(twice).toEqual([]);
      expect(pids!['n']).toBe(2);
    } finally {
      for (const child of children) child.kill('SIGTERM');
      await client.close();
      await admin.end({ timeout: 5 });
      await bundle.remove();
    }
  }, 180_000);
});
