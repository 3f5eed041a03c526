import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { } from '@sanctum/storage-core';
import { createPostgresRecordStore, migrateUp, migrationStatus, type PostgresRecordStore } from '../../src/index.js';
import { toStorageError } from '../../src/errors.js';
import { adminClient, migratedSchema, type TestSchema, rejection } from './support.js';

let db: TestSchema;

beforeAll(async () => {
  db = await migratedSchema('errors');
});

afterAll(async () => {
  await db?.drop();
});

async function withStore<T>(extra: Parameters<TestSchema['options']>[0], body: (store: PostgresRecordStore) => Promise<T>): Promise<T> {
  const store = createPostgresRecordStore(db.options(extra));
  await store.open!();
  try {
    return await body(store);
  } finally {
    await store.close!();
  }
}

/** A TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('error mapping against the real server', () => {
  it('statement timeout → TIMEOUT (retryable)', async () => {
    const admin = adminClient(db.url, 1);
    try {
      await withStore({ statementTimeoutMs: 100 }, async (store) => {
        await store.put({ namespace: 'n', key: 'locked', value: 1 });
        // Another session holds the row lock: the conditional update waits until statement_timeout.
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let locked!: () => void;
        const isLocked = new Promise<void>((resolve) => (locked = resolve));
        const holder = admin.begin(async (tx) => {
          await tx.unsafe(`select 1 from "${db.schema}".records where namespace = 'n' and key = 'locked' for update`);
          locked();
          await held;
        });
        await isLocked;
        const error = await rejection(store.put({ namespace: 'n', key: 'locked', value: 2 }));
        release();
        await holder;
        expect(error).toMatchObject({ code: 'TIMEOUT', retryable: true, operation: 'records.put', namespace: 'n', adapter: 'postgres' });
        expect(error.details).toEqual({ sqlstate: '57014' });
      });
    } finally {
      await admin.end();
    }
  });

  it('unique violation → ALREADY_EXISTS (not retryable); the raw error never leaks', async () => {
    const admin = adminClient(db.url, 1);
    try {
      const insert = `insert into "${db.schema}".records (namespace, key, value, version, etag) values ('u', 'dup', '1', 1, 'e')`;
      await admin.unsafe(insert);
      const raw = await admin.unsafe(insert).then(
        () => undefined,
        (e: unknown) => e,
      );
      const mapped = toStorageError(raw, { operation: 'records.put', namespace: 'u' });
      expect(mapped).toMatchObject({ code: 'ALREADY_EXISTS', retryable: false, details: { sqlstate: '23505' } });
      // The kept cause has the server's code and message, not postgres.js' parameters or detail.
      expect(mapped.cause).toBeInstanceOf(Error);
      expect(mapped.cause).not.toHaveProperty('parameters');
      expect(mapped.cause).not.toHaveProperty('detail');
      expect((mapped.cause as { code: string }).code).toBe('23505');
    } finally {
      await admin.end();
    }
  });

  it('connection refused on a closed port → UNAVAILABLE (retryable), from operations, health and migrations', async () => {
    const port = await closedPort();
    const options = { host: '127.0.0.1', port, user: 'postgres', password: 'not-logged-secret', database: 'x', connectTimeoutMs: 2_000 };
    const store = createPostgresRecordStore({ ...options, migrate: 'on-start' });
    try {
      const open = await rejection(store.open!());
      expect(open).toMatchObject({ code: 'UNAVAILABLE', retryable: true, details: { driverCode: 'ECONNREFUSED' } });
      const get = await rejection(store.get({ namespace: 'n', key: 'k' }));
      expect(get).toMatchObject({ code: 'UNAVAILABLE', retryable: true, operation: 'records.get' });
      expect(JSON.stringify(get.toJSON())).not.toContain('not-logged-secret');
      expect(String(get.stack)).not.toContain('not-logged-secret');
      const health = await store.health!();
      expect(health.ok).toBe(false);
      expect(health.details).toMatchObject({ code: 'UNAVAILABLE', poolSize: 10 });
      expect(JSON.stringify(health)).not.toContain('not-logged-secret');
    } finally {
      await store.close!();
    }
    expect(await rejection(migrationStatus(options))).toMatchObject({ code: 'UNAVAILABLE', operation: 'migrations.status' });
    expect(await rejection(migrateUp({ url: `postgres://postgres:not-logged-secret@127.0.0.1:${String(port)}/x` }))).toMatchObject({
      code: 'UNAVAILABLE',
      operation: 'migrations.up',
    });
  });

  it('a database that does not exist → CONFIG_INVALID', async () => {
    const url = new URL(db.url);
    url.pathname = '/sanctum_no_such_database';
    const store = createPostgresRecordStore({ url: url.toString(), schema: db.schema });
    try {
      expect(await rejection(store.open!())).toMatchObject({ code: 'CONFIG_INVALID', details: { sqlstate: '3D000' } });
    } finally {
      await store.close!();
    }
  });

  it('a table dropped under a running store → UNAVAILABLE (not retryable)', async () => {
    const isolated = await migratedSchema('dropped');
    const store = createPostgresRecordStore(isolated.options());
    await store.open!();
    try {
      await store.put({ namespace: 'n', key: 'k', value: 1 });
      const admin = adminClient(isolated.url, 1);
      await admin.unsafe(`drop table "${isolated.schema}".records`);
      await admin.end();
      const error = await rejection(store.get({ namespace: 'n', key: 'k' }));
      expect(error).toMatchObject({ code: 'UNAVAILABLE', retryable: false, details: { sqlstate: '42P01' } });
    } finally {
      await store.close!();
      await isolated.drop();
    }
  });

  it('values PostgreSQL cannot store → INVALID_ARGUMENT; values that are not JSON → INVALID_ARGUMENT', async () => {
    await withStore({}, async (store) => {
      const nul = await rejection(store.put({ namespace: 'n', key: 'nul', value: { text: 'a\u0000b' } }));
      expect(nul).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false, details: { sqlstate: '22P05' } });
      // The same with a live signal: a server error is not mistaken for an abort.
      const withSignal = await rejection(store.put({ namespace: 'n', key: 'nul', value: 'a\u0000b', signal: new AbortController().signal }));
      expect(withSignal.code).toBe('INVALID_ARGUMENT');
      const surrogate = await rejection(store.put({ namespace: 'n', key: 'sur', value: '\ud800' }));
      expect(surrogate.code).toBe('INVALID_ARGUMENT');
      const cyclic: Record<string, unknown> = {};
      cyclic['self'] = cyclic;
      expect((await rejection(store.put({ namespace: 'n', key: 'c', value: cyclic as never }))).code).toBe('INVALID_ARGUMENT');
      expect((await rejection(store.put({ namespace: 'n', key: 'u', value: undefined as never }))).code).toBe('INVALID_ARGUMENT');
      expect(await store.get({ namespace: 'n', key: 'nul' })).toBeUndefined();
    });
  });

  it('serialization failures and deadlocks → CONSISTENCY (retryable)', async () => {
    await withStore({ isolation: 'serializable', poolSize: 4 }, async (store) => {
      const namespace = 'ser';
      await store.put({ namespace, key: 'a', value: 0 });
      await store.put({ namespace, key: 'b', value: 0 });
      // Write skew: each reads both and writes one; serializable lets only one commit.
      let ready = 0;
      let go!: () => void;
      const bothRead = new Promise<void>((resolve) => (go = resolve));
      const skew = (write: string) =>
        store.transaction!(async (tx) => {
          await tx.get({ namespace, key: 'a' });
          await tx.get({ namespace, key: 'b' });
          ready += 1;
          if (ready === 2) go();
          await bothRead;
          await tx.put({ namespace, key: write, value: 1 });
        });
      const outcomes = await Promise.allSettled([skew('a'), skew('b')]);
      const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(failed).toHaveLength(1);
      expect(failed[0]!.reason).toMatchObject({ code: 'CONSISTENCY', retryable: true, details: { sqlstate: '40001' } });
    });
    await withStore({ poolSize: 4 }, async (store) => {
      const namespace = 'dead';
      await store.put({ namespace, key: 'a', value: 0 });
      await store.put({ namespace, key: 'b', value: 0 });
      let locked = 0;
      let go!: () => void;
      const bothLocked = new Promise<void>((resolve) => (go = resolve));
      const cross = (first: string, second: string) =>
        store.transaction!(async (tx) => {
          await tx.put({ namespace, key: first, value: 1 });
          locked += 1;
          if (locked === 2) go();
          await bothLocked;
          await tx.put({ namespace, key: second, value: 1 });
        });
      const outcomes = await Promise.allSettled([cross('a', 'b'), cross('b', 'a')]);
      const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(failed).toHaveLength(1);
      expect(failed[0]!.reason).toMatchObject({ code: 'CONSISTENCY', retryable: true, details: { sqlstate: '40P01' } });
    });
  });

  // Depth 1: the aborted call waits in the pool's queue; depth 4: it already has its connection.
  it.each([1, 4])('an aborted operation fails with TIMEOUT or UNAVAILABLE by the signal, and cancels the server statement (pipelineDepth %i)', async (pipelineDepth) => {
    const namespace = `abort-${String(pipelineDepth)}`;
    const admin = adminClient(db.url, 1);
    try {
      await withStore({ poolSize: 1, pipelineDepth }, async (store) => {
        await store.put({ namespace, key: 'k', value: 1 });
        expect((await rejection(store.get({ namespace, key: 'k', signal: AbortSignal.abort() }))).code).toBe('UNAVAILABLE');
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let locked!: () => void;
        const isLocked = new Promise<void>((resolve) => (locked = resolve));
        const holder = admin.begin(async (tx) => {
          await tx.unsafe(`select 1 from "${db.schema}".records where namespace = '${namespace}' and key = 'k' for update`);
          locked();
          await held;
        });
        await isLocked;
        try {
          // In flight on the server, blocked by the lock, then timed out by its signal.
          const running = rejection(store.put({ namespace, key: 'k', value: 2, signal: AbortSignal.timeout(150) }));
          // Started behind it, then aborted by its caller before it could run.
          const controller = new AbortController();
          const queued = rejection(store.get({ namespace, key: 'k', signal: controller.signal }));
          controller.abort();
          expect((await queued).code).toBe('UNAVAILABLE');
          expect(await running).toMatchObject({ code: 'TIMEOUT', operation: 'records.put' });
        } finally {
          release();
          await holder;
        }
        // The cancelled statement did not write, and the slot was given back.
        expect((await store.get({ namespace, key: 'k' }))?.version).toBe(1);
      });
    } finally {
      await admin.end();
    }
  });
});
