import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStorageError } from '@sanctum/storage-core';
import { createPostgresRecordStore, type PostgresRecordStore } from '../../src/index.js';
import { objectNames } from '../../src/names.js';
import { releasable } from '../../src/outbox/outbox-store.js';
import { adminClient, migratedSchema, type TestSchema } from './support.js';

let db: TestSchema;
let store: PostgresRecordStore;

beforeAll(async () => {
  db = await migratedSchema('obstore');
  store = createPostgresRecordStore(db.options({ poolSize: 2 }));
  await store.open!();
});

afterAll(async () => {
  await store?.close!();
  await db?.drop();
});

const enqueue = (rows: Array<{ stream: string; key?: string; payload: string }>) =>
  store.transaction!(async (tx) => {
    for (const row of rows) await tx.enqueueOutbox!(row);
  });

describe('PostgreSQL outbox store', () => {
  it('refuses a bad limit, and keeps rows pending when publish throws (its error reaches the caller)', async () => {
    await expect(store.outbox!.relayBatch({ limit: 0 }, async () => ({ sent: [], failed: [] }))).rejects.toSatisfy(
      (e: unknown) => isStorageError(e, 'INVALID_ARGUMENT') && e.details?.['field'] === 'limit',
    );
    await enqueue([{ stream: 's', payload: '1' }]);
    await expect(
      store.outbox!.relayBatch({ limit: 10 }, async () => {
        throw new Error('broker gone');
      }),
    ).rejects.toThrow('broker gone');
    expect((await store.outbox!.stats()).pending).toBe(1);
    // Unkeyed rows need no fence.
    let seen: string[] = [];
    expect(await store.outbox!.relayBatch({ limit: 10 }, async (rows) => ((seen = rows.map((r) => r.payload)), { sent: rows.map((r) => r.id), failed: [] }))).toBe(1);
    expect(seen).toEqual(['1']);
    expect(await store.outbox!.relayBatch({ limit: 10 }, async () => ({ sent: [], failed: [] }))).toBe(0);
  });

  it('claims nothing when every claimed row waits behind a row held elsewhere', async () => {
    await enqueue([
      { stream: 's', key: 'k', payload: '"a"' },
      { stream: 's', key: 'k', payload: '"b"' },
    ]);
    const admin = adminClient(db.url, 2);
    const held = await admin.reserve();
    try {
      await held.unsafe('begin');
      await held.unsafe(`select id from "${db.schema}"."records_outbox" where status = 0 order by id limit 1 for update`);
      let called = false;
      expect(await store.outbox!.relayBatch({ limit: 10 }, async () => ((called = true), { sent: [], failed: [] }))).toBe(0);
      expect(called).toBe(false);
      await held.unsafe('rollback');
    } finally {
      held.release();
      await admin.end({ timeout: 5 });
    }
    const failed = await store.outbox!.relayBatch({ limit: 1 }, async (rows) => ({ sent: [], failed: rows.map((r) => ({ id: r.id, error: 'e', dead: false })) }));
    expect(failed).toBe(1);
    expect(await store.outbox!.purgeSent({ sentBefore: new Date(Date.now() + 60_000), limit: 100 })).toBe(1);
  });

  it('releasable keeps unkeyed rows and rows before their fence', () => {
    const row = (id: string, key: string | null) => ({ id, stream: 's', msg_key: key, payload: '', headers: '{}', created_at: new Date(), attempts: 0 });
    const rows = [row('1', null), row('2', 'a'), row('5', 'a'), row('3', 'b')];
    expect(releasable(rows, []).map((r) => r.id)).toEqual(['1', '2', '5', '3']);
    expect(releasable(rows, [{ stream: 's', msg_key: 'a', fence: '4' }]).map((r) => r.id)).toEqual(['1', '2', '3']);
  });

  it('maps server errors once the store is closed', async () => {
    const closed = createPostgresRecordStore(db.options({ poolSize: 1, url: db.url.replace(/:\d+\//, ':1/'), connectTimeoutMs: 500 }));
    await expect(closed.outbox!.stats()).rejects.toSatisfy((e: unknown) => isStorageError(e, 'UNAVAILABLE'));
    await expect(closed.outbox!.purgeSent({ sentBefore: new Date(), limit: 1 })).rejects.toSatisfy((e: unknown) => isStorageError(e, 'UNAVAILABLE'));
    await expect(closed.outbox!.relayBatch({ limit: 1 }, async () => ({ sent: [], failed: [] }))).rejects.toSatisfy((e: unknown) => isStorageError(e, 'UNAVAILABLE'));
    await closed.close!();
  });

  it('watch: a commit wakes the watcher; when its connection is killed it listens again and wakes once for what it may have missed', async () => {
    const admin = adminClient(db.url, 1);
    let wakes = 0;
    const woken = async (more: number) => {
      const target = wakes + more;
      for (let i = 0; i < 200 && wakes < target; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      return wakes >= target;
    };
    const watch = await store.outbox!.watch!(() => void (wakes += 1));
    try {
      await enqueue([{ stream: 'w', payload: '1' }]);
      expect(await woken(1)).toBe(true);
      // A real fault: the server ends the LISTEN connection (as a restart or a failover would).
      // This store's LISTEN connection only (other test files may be listening on their own channels).
      const listen = `listen "${objectNames(db.schema, 'records').outboxChannel}"`;
      const listeners = await admin<Array<{ pid: number }>>`select pid from pg_stat_activity where query = ${listen} and datname = current_database()`;
      expect(listeners).toHaveLength(1);
      const before = wakes;
      for (const { pid } of listeners) await admin`select pg_terminate_backend(${pid})`;
      // Listening again wakes the relay once (commits in between went unnoticed)...
      expect(await woken(1)).toBe(true);
      expect(wakes - before).toBeGreaterThanOrEqual(1);
      // ... and commits wake it again over the new connection.
      const again = wakes;
      await enqueue([{ stream: 'w', payload: '2' }]);
      expect(await woken(1)).toBe(true);
      expect(wakes).toBeGreaterThan(again);
    } finally {
      await watch.close();
      await admin.end();
    }
    // Drain what this test enqueued, so later tests see an empty outbox.
    while ((await store.outbox!.relayBatch({ limit: 100 }, async (rows) => ({ sent: rows.map((r) => r.id), failed: [] }))) > 0);
  });

  it('watch on a server that cannot be reached fails with UNAVAILABLE', async () => {
    const unreachable = createPostgresRecordStore({ ...db.options({ poolSize: 1 }), url: 'postgres://postgres@127.0.0.1:1/none', connectTimeoutMs: 1000 });
    try {
      await expect(unreachable.outbox!.watch!(() => undefined)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'UNAVAILABLE'));
    } finally {
      await unreachable.close!();
    }
  });
});
