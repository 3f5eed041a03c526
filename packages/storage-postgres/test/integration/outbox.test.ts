import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import {
  IDEMPOTENCY_KEY_HEADER,
  OUTBOX_ID_HEADER,
  isStorageError,
  relayOutboxOnce,
  startOutboxRelay,
  type Message,
  type StorageClient,
  type Subscription,
} from '@sanctum/storage-core';
import { createPrometheusMetrics } from '@sanctum/storage-core/prometheus';
import { resolveService } from '@sanctum/test-services';
import { adminClient, migratedSchema, type TestSchema } from './support.js';
import { scenarioClient, type OrderEvent, type Scenario } from '../outbox/setup.js';

let db: TestSchema;
let scenario: Scenario;
let client: StorageClient;
const registry = new Registry();

beforeAll(async () => {
  db = await migratedSchema('outbox');
  scenario = { pgUrl: db.url, schema: db.schema, redisUrl: (await resolveService('redis')).url, redisPrefix: `outbox-${randomBytes(4).toString('hex')}:` };
  client = await scenarioClient(scenario, { metrics: createPrometheusMetrics({ registry }) });
});

afterAll(async () => {
  await client?.close();
  await db?.drop();
});

const outboxTable = () => `"${db.schema}"."records_outbox"`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function collect(group: string, until: (seen: Array<Message<OrderEvent>>) => boolean, timeoutMs = 15_000): Promise<Array<Message<OrderEvent>>> {
  const seen: Array<Message<OrderEvent>> = [];
  const subscription: Subscription = await client.streams<OrderEvent>('events').subscribe(group, async (m) => void seen.push(m));
  const deadline = Date.now() + timeoutMs;
  try {
    while (!until(seen)) {
      if (Date.now() > deadline) throw new Error(`timed out: ${String(seen.length)} messages seen`);
      await sleep(10);
    }
  } finally {
    await subscription.close();
  }
  return seen;
}

async function drain(): Promise<void> {
  while ((await relayOutboxOnce({ client, adapter: 'pg' })).claimed > 0);
}

describe('transactional outbox on PostgreSQL', () => {
  it('a committed transaction publishes its message (outbox id as idempotency key); a rolled-back one never does', async () => {
    const orders = client.records('orders');
    const { id } = await orders.transaction(async (tx) => {
      await tx.put('o/1', { total: 1 });
      return tx.streams<OrderEvent>('events').publish({ i: 1, key: 'a' }, { key: 'a', headers: { trace: 't1' } });
    });
    expect(id).toMatch(/^\d+$/);
    await expect(
      orders.transaction(async (tx) => {
        await tx.put('o/2', { total: 2 });
        await tx.streams<OrderEvent>('events').publish({ i: 2, key: 'a', rollback: true }, { key: 'a' });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const admin = adminClient(db.url, 1);
    try {
      const rows = await admin.unsafe(`select id::text, status, payload from ${outboxTable()}`);
      expect(rows.map((r) => r['id'])).toEqual([id]);
    } finally {
      await admin.end({ timeout: 5 });
    }
    expect((await client.outbox('pg').stats()).pending).toBe(1);
    expect(await registry.getSingleMetricAsString('storage_outbox_pending')).toContain('storage_outbox_pending{adapter="pg"} 1');
    expect(await registry.getSingleMetricAsString('storage_outbox_lag_seconds')).toMatch(/storage_outbox_lag_seconds\{adapter="pg"\} [0-9.e-]+/);
    await drain();
    const seen = await collect('g-basic', (s) => s.length >= 1);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.payload).toEqual({ i: 1, key: 'a' });
    expect(seen[0]!.key).toBe('a');
    expect(seen[0]!.headers).toMatchObject({ trace: 't1', [IDEMPOTENCY_KEY_HEADER]: id, [OUTBOX_ID_HEADER]: id });
    const stats = await client.outbox('pg').stats();
    expect(stats).toEqual({ pending: 0, dead: 0 });
    expect(await registry.getSingleMetricAsString('storage_outbox_lag_seconds')).toContain('storage_outbox_lag_seconds{adapter="pg"} 0');
  });

  it('refuses bad input with the field named, and unknown stream namespaces', async () => {
    const orders = client.records('orders');
    await expect(orders.transaction(async (tx) => tx.streams('nope').publish({}))).rejects.toSatisfy(
      (e: unknown) => isStorageError(e, 'INVALID_ARGUMENT') && e.message.includes('unknown stream namespace "nope"'),
    );
    await expect(orders.transaction(async (tx) => tx.streams('events').publish({ when: new Date() } as never))).rejects.toSatisfy(
      (e: unknown) => isStorageError(e, 'INVALID_ARGUMENT') && e.message.startsWith('payload.when is a Date'),
    );
    await expect(orders.transaction(async (tx) => tx.streams('events').publish({}, { headers: { bad: 'a\nb' } }))).rejects.toSatisfy(
      (e: unknown) => isStorageError(e, 'INVALID_ARGUMENT') && String(e.details?.['field']).includes('headers'),
    );
    expect((await client.outbox('pg').stats()).pending).toBe(0);
    expect(() => client.outbox('nope')).toThrow(/no record adapter instance "nope"/);
  });

  it('per-key order across relays: a row whose key has an older row held elsewhere waits', async () => {
    const orders = client.records('orders');
    await orders.transaction(async (tx) => {
      const events = tx.streams<OrderEvent>('events');
      for (let i = 10; i < 16; i++) await events.publish({ i, key: i % 2 === 0 ? 'even' : 'odd' }, { key: i % 2 === 0 ? 'even' : 'odd' });
    });
    // Another "relay" holds the oldest 'even' row.
    const admin = adminClient(db.url, 2);
    const held = await admin.reserve();
    try {
      await held.unsafe('begin');
      const [oldest] = await held.unsafe(`select id::text as id from ${outboxTable()} where status = 0 and msg_key = 'even' order by id limit 1 for update`);
      const result = await relayOutboxOnce({ client, adapter: 'pg' });
      // Only 'odd' went; every 'even' row waits behind the held one.
      expect(result).toEqual({ claimed: 3, sent: 3, failed: 0, dead: 0 });
      const pending = await admin.unsafe(`select id::text as id, msg_key from ${outboxTable()} where status = 0 order by id`);
      expect(pending.map((r) => r['msg_key'])).toEqual(['even', 'even', 'even']);
      expect(pending[0]!['id']).toBe(oldest!['id']);
      await held.unsafe('rollback');
    } finally {
      held.release();
      await admin.end({ timeout: 5 });
    }
    await drain();
    const mine = (s: Array<Message<OrderEvent>>) => s.filter((m) => m.payload.i >= 10 && m.payload.i < 16);
    const seen = mine(await collect('g-order', (s) => mine(s).length >= 6));
    expect(seen.map((m) => m.payload.i)).toEqual([11, 13, 15, 10, 12, 14]);
  });

  it('dead-letters a poison row and moves on with the rest of its key', async () => {
    await drain();
    const admin = adminClient(db.url, 1);
    try {
      await admin.unsafe(`insert into ${outboxTable()} (stream, msg_key, payload) values ('events', 'p', '{not json'), ('events', 'p', '{"i":99,"key":"p"}')`);
    } finally {
      await admin.end({ timeout: 5 });
    }
    // Not JSON: not retryable, so dead at once; the next row of its key waits for the next batch.
    const first = await relayOutboxOnce({ client, adapter: 'pg' });
    expect(first).toMatchObject({ sent: 0, failed: 0, dead: 1 });
    await drain();
    expect(await client.outbox('pg').stats()).toEqual({ pending: 0, dead: 1 });
    const dead: Array<Message<unknown>> = [];
    const sub = await client.streams('events').deadLetters().subscribe('g-dead', async (m) => void dead.push(m));
    const seen = await collect('g-poison', (s) => s.some((m) => m.payload.i === 99));
    await sub.close();
    expect(seen.find((m) => m.payload.i === 99)).toBeDefined();
    expect(dead).toHaveLength(1);
    expect(dead[0]!.payload).toBe('{not json');
    expect(dead[0]!.headers['x-dead-letter-error']).toMatch(/INVALID_ARGUMENT/);
  });

  it('the in-process relay delivers, keeps metrics current and purges sent rows after the retention', async () => {
    const relay = startOutboxRelay({ client, adapter: 'pg', idleMs: 5, housekeepingMs: 50, retentionMs: 1 });
    try {
      await client.records('orders').transaction(async (tx) => {
        await tx.streams<OrderEvent>('events').publish({ i: 200, key: 'r' }, { key: 'r' });
      });
      await collect('g-inproc', (s) => s.some((m) => m.payload.i === 200));
      const admin = adminClient(db.url, 1);
      try {
        const deadline = Date.now() + 5_000;
        for (;;) {
          const [row] = await admin.unsafe(`select count(*)::int as n from ${outboxTable()} where status = 1`);
          if (row!['n'] === 0) break;
          if (Date.now() > deadline) throw new Error('sent rows were not purged');
          await sleep(20);
        }
      } finally {
        await admin.end({ timeout: 5 });
      }
    } finally {
      await relay.close();
    }
    await relay.close(); // idempotent
  });

  it('a relay wakes on commit (LISTEN/NOTIFY): a message goes out long before the next poll', async () => {
    // Polls only every 60 s: each message below can arrive within the test only through a wake-up.
    const relay = startOutboxRelay({ client, adapter: 'pg', idleMs: 60_000, housekeepingMs: 3_600_000, retentionMs: 0 });
    const admin = adminClient(db.url, 1);
    const pendingRows = async () => (await admin.unsafe(`select count(*)::int as n from ${outboxTable()} where status = 0`))[0]!['n'] as number;
    try {
      await drain();
      for (const i of [300, 301, 302]) {
        await sleep(300); // the relay has finished its batch and is pausing
        await client.records('orders').transaction(async (tx) => void (await tx.streams<OrderEvent>('events').publish({ i, key: 'w' }, { key: 'w' })));
        const deadline = Date.now() + 10_000;
        while ((await pendingRows()) > 0) {
          if (Date.now() > deadline) throw new Error(`message ${String(i)} still pending: the relay was not woken by the commit`);
          await sleep(20);
        }
      }
      // A rolled-back transaction's notification is never delivered: nothing to wake for, nothing sent.
      await expect(
        client.records('orders').transaction(async (tx) => {
          await tx.streams<OrderEvent>('events').publish({ i: 303, key: 'w', rollback: true }, { key: 'w' });
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await pendingRows()).toBe(0);
    } finally {
      await relay.close();
      await admin.end({ timeout: 5 });
    }
  });

  it('checks relay options', async () => {
    expect(() => startOutboxRelay({ client, adapter: 'pg', wakeOnCommit: 'yes' as never })).toThrow(/wakeOnCommit must be true or false/);
    await expect(relayOutboxOnce({ client, adapter: 'pg', batchSize: 0 })).rejects.toSatisfy(
      (e: unknown) => isStorageError(e, 'INVALID_ARGUMENT') && e.details?.['field'] === 'batchSize',
    );
    expect(() => startOutboxRelay({ client, adapter: '' })).toThrow(/options.adapter/);
  });
});
