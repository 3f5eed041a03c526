import { connect, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStorageError } from '@sanctum/storage-core';
import { createPostgresRecordStore, type PostgresRecordStore } from '../../src/index.js';
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

  it('watch on a server that cannot be reached fails with UNAVAILABLE', async () => {
    const unreachable = createPostgresRecordStore({ ...db.options({ poolSize: 1 }), url: 'postgres://postgres@127.0.0.1:1/none', connectTimeoutMs: 1000 });
    try {
      await expect(unreachable.outbox!.watch!(() => undefined)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'UNAVAILABLE'));
    } finally {
      await unreachable.close!();
    }
  });

  it('watch: while the link is down, listening again fails and is retried with backoff until the server is reachable', async () => {
    const target = new URL(db.url);
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as { port: number }).port;
    const url = new URL(db.url);
    url.port = String(port);
    const behind = createPostgresRecordStore(db.options({ poolSize: 1, url: url.toString(), connectTimeoutMs: 1000 }));
    let wakes = 0;
    const watch = await behind.outbox!.watch!(() => void (wakes += 1));
    try {
      // The link goes down: connections cut, new ones refused for 600 ms.
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(wakes).toBe(0); // every attempt to listen again failed so far
      await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
      for (let i = 0; i < 200 && wakes === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      // Listening again wakes the relay exactly once: one retry loop, however many reconnects failed.
      expect(wakes).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(wakes).toBe(1);
    } finally {
      await watch.close();
      await behind.close!();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
