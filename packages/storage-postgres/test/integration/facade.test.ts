import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorageClient, isStorageError, type StorageClient } from '@sanctum/storage-core';
import { postgresRecords } from '../../src/index.js';
import { migratedSchema, type TestSchema } from './support.js';

let db: TestSchema;
let client: StorageClient;

beforeAll(async () => {
  db = await migratedSchema('facade');
  client = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { pg: { use: 'postgres', options: { url: db.url, schema: db.schema, poolSize: 4 } } },
      namespaces: {
        users: { kind: 'record', adapter: 'pg' },
        orders: { kind: 'record', adapter: 'pg' },
      },
    },
    { adapters: [postgresRecords()] },
  );
});

afterAll(async () => {
  await client?.close();
  await db?.drop();
});

describe('through the facade', () => {
  it('CRUD, conditions, listing and bulk work on the postgres adapter', async () => {
    const users = client.records<{ name: string }>('users');
    const { etag, version } = await users.put('t1/u1', { name: 'Ada' });
    expect(version).toBe(1);
    await expect(users.put('t1/u1', { name: 'B' }, { ifMatch: 'stale' })).rejects.toSatisfy((e: unknown) => isStorageError(e, 'PRECONDITION_FAILED'));
    await users.put('t1/u1', { name: 'Ada L.' }, { ifMatch: etag });
    expect((await users.get('t1/u1')).value).toEqual({ name: 'Ada L.' });
    await users.putMany([
      { key: 't1/u2', value: { name: 'Bo' } },
      { key: 't2/u1', value: { name: 'Cy' } },
    ]);
    const scanned: string[] = [];
    for await (const record of users.scan({ prefix: 't1/', limit: 1 })) scanned.push(record.key);
    expect(scanned).toEqual(['t1/u1', 't1/u2']);
    expect((await users.getMany(['t2/u1', 'nope'])).map((r) => r?.value.name)).toEqual(['Cy', undefined]);
    expect(await users.deleteMany(['t2/u1'])).toBe(1);
    await expect(users.get('t2/u1')).rejects.toSatisfy((e: unknown) => isStorageError(e, 'NOT_FOUND'));
  });

  it('a transaction spans namespaces of the same adapter instance', async () => {
    const users = client.records<{ name: string }>('users');
    await users.transaction(async (tx) => {
      await tx.put('tx/u', { name: 'T' });
      await tx.records<{ total: number }>('orders').put('tx/o', { total: 3 });
    });
    expect((await client.records('orders').get('tx/o')).value).toEqual({ total: 3 });
    await expect(
      users.transaction(async (tx) => {
        await tx.records('orders').put('tx/o2', { total: 1 });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await client.records('orders').find('tx/o2')).toBeUndefined();
  });

  it('health reports the adapter instance', async () => {
    const health = await client.health();
    expect(health.ok).toBe(true);
    expect(health.adapters['record:pg']).toMatchObject({ ok: true, details: { schema: db.schema } });
  });

  it('invalid adapter options are reported as CONFIG_INVALID with their paths, without secrets', () => {
    let caught: unknown;
    try {
      createStorageClient(
        {
          schemaVersion: 1,
          adapters: { pg: { use: 'postgres', options: { url: 'mysql://root:hunter2-secret@db/x', poolSize: 0, schema: 'Bad-Name' } } },
          namespaces: { users: { kind: 'record', adapter: 'pg' } },
        },
        { adapters: [postgresRecords()] },
      );
    } catch (error) {
      caught = error;
    }
    expect(isStorageError(caught, 'CONFIG_INVALID')).toBe(true);
    const message = (caught as Error).message;
    expect(message).toContain('adapters.pg.options.url');
    expect(message).toContain('adapters.pg.options.poolSize');
    expect(message).toContain('adapters.pg.options.schema');
    expect(message).not.toContain('hunter2-secret');
    expect(JSON.stringify(caught)).not.toContain('hunter2-secret');
  });
});
