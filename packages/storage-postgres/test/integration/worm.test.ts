import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordWormContract } from '@sanctum/storage-contract-tests';
import type { Sql } from 'postgres';
import { createStorageClient, isStorageError, type StorageClient } from '@sanctum/storage-core';
import { createPostgresRecordStore, postgresRecords, setWormPolicy, wormPolicy } from '../../src/index.js';
import { adminClient, migratedSchema, type TestSchema } from './support.js';

let db: TestSchema;
let client: StorageClient;
let raw: Sql;
const table = () => `"${db.schema}"."records"`;

async function sqlstateOf(work: Promise<unknown>): Promise<string | undefined> {
  try {
    await work;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

beforeAll(async () => {
  db = await migratedSchema('worm');
  raw = adminClient(db.url);
  await setWormPolicy(db.options(), { namespace: 'audit', retentionMs: 3_600_000, legalHold: false });
  await setWormPolicy(db.options(), { namespace: 'short', retentionMs: 300, legalHold: false });
  client = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { pg: { use: 'postgres', options: { url: db.url, schema: db.schema, poolSize: 2 } } },
      namespaces: {
        audit: { kind: 'record', adapter: 'pg' },
        short: { kind: 'record', adapter: 'pg' },
        free: { kind: 'record', adapter: 'pg' },
      },
    },
    { adapters: [postgresRecords()] },
  );
});

afterAll(async () => {
  await client?.close();
  await raw?.end({ timeout: 5 });
  await db?.drop();
});

describe('WORM namespaces on PostgreSQL (migration 003 trigger)', () => {
  it('through the facade: create works, overwrite and delete are RETENTION_LOCKED, nothing changes', async () => {
    const audit = client.records<{ n: number }>('audit');
    await audit.put('a1', { n: 1 });
    await expect(audit.put('a1', { n: 2 })).rejects.toSatisfy((e: unknown) => isStorageError(e, 'RETENTION_LOCKED'));
    await expect(audit.put('a1', { n: 2 }, { ifMatch: (await audit.get('a1')).etag })).rejects.toSatisfy((e: unknown) => isStorageError(e, 'RETENTION_LOCKED'));
    await expect(audit.delete('a1')).rejects.toSatisfy((e: unknown) => isStorageError(e, 'RETENTION_LOCKED'));
    await expect(audit.putMany([{ key: 'a2', value: { n: 2 } }, { key: 'a1', value: { n: 9 } }])).rejects.toSatisfy((e: unknown) =>
      isStorageError(e, 'RETENTION_LOCKED'),
    );
    expect((await audit.get('a1')).value).toEqual({ n: 1 });
    await expect(audit.get('a2')).rejects.toSatisfy((e: unknown) => isStorageError(e, 'NOT_FOUND'));
    // Other namespaces of the same table are untouched by the guard.
    const free = client.records<{ n: number }>('free');
    await free.put('f', { n: 1 });
    await free.put('f', { n: 2 });
    await free.delete('f');
  });

  it('spliceValue of a retained record (key rotation of a WORM namespace) is RETENTION_LOCKED and changes nothing', async () => {
    const store = createPostgresRecordStore(db.options({ poolSize: 1 }));
    await store.open!();
    try {
      const value = 'sne1:' + Buffer.from('header-and-body').toString('base64');
      const written = await store.put({ namespace: 'audit', key: 's1', value });
      const request = { namespace: 'audit', key: 's1', ifMatch: written.etag, prefix: 'sne1:', deleteCount: 6, insert: Buffer.from('HEADER') };
      await expect(store.spliceValue!(request)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'RETENTION_LOCKED'));
      expect(await store.get({ namespace: 'audit', key: 's1' })).toMatchObject({ value, version: 1, etag: written.etag });
      // The same splice in a namespace without a policy goes through.
      const free = await store.put({ namespace: 'free', key: 's1', value });
      await store.spliceValue!({ ...request, namespace: 'free', ifMatch: free.etag });
      expect((await store.get({ namespace: 'free', key: 's1' }))?.value).toBe('sne1:' + Buffer.from('HEADER-and-body').toString('base64'));
    } finally {
      await store.close!();
    }
  });

  it('through the raw client: UPDATE, DELETE and TRUNCATE are refused by the database', async () => {
    await client.records('audit').put('r1', { n: 1 });
    expect(await sqlstateOf(raw.unsafe(`UPDATE ${table()} SET value = '{"n":666}' WHERE namespace = 'audit' AND key = 'r1'`))).toBe('SN423');
    expect(await sqlstateOf(raw.unsafe(`UPDATE ${table()} SET updated_at = now() - interval '10 years' WHERE namespace = 'audit'`))).toBe('SN423');
    expect(await sqlstateOf(raw.unsafe(`DELETE FROM ${table()} WHERE namespace = 'audit'`))).toBe('SN423');
    expect(await sqlstateOf(raw.unsafe(`TRUNCATE ${table()}`))).toBe('SN423');
    const rows = await raw.unsafe(`SELECT value FROM ${table()} WHERE namespace = 'audit' AND key = 'r1'`);
    expect(rows[0]?.['value']).toEqual({ n: 1 });
  });

  it('the policy cannot be removed or shortened, even through the raw client', async () => {
    const policies = `"${db.schema}"."records_worm"`;
    expect(await sqlstateOf(raw.unsafe(`DELETE FROM ${policies} WHERE namespace = 'audit'`))).toBe('SN424');
    expect(await sqlstateOf(raw.unsafe(`UPDATE ${policies} SET retention = interval '0' WHERE namespace = 'audit'`))).toBe('SN424');
    expect(await sqlstateOf(raw.unsafe(`TRUNCATE ${policies}`))).toBe('SN424');
    await expect(setWormPolicy(db.options(), { namespace: 'audit', retentionMs: 1000, legalHold: false })).rejects.toSatisfy((e: unknown) =>
      isStorageError(e, 'RETENTION_LOCKED'),
    );
    for (const bad of [
      { namespace: 'audit', retentionMs: -1, legalHold: false },
      { namespace: 'audit', retentionMs: 1.5, legalHold: false },
      { namespace: 'audit', retentionMs: 1e15, legalHold: false },
      { namespace: '', retentionMs: 1000, legalHold: false },
      { namespace: 42, retentionMs: 1000, legalHold: false },
      { namespace: 'audit', retentionMs: 1000, legalHold: 'yes' },
    ]) {
      await expect(setWormPolicy(db.options(), bad as never)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'INVALID_ARGUMENT'));
    }
    expect(await wormPolicy(db.options(), 'audit')).toEqual({ namespace: 'audit', retentionMs: 3_600_000, legalHold: false });
    expect(await wormPolicy(db.options(), 'free')).toBeUndefined();
  });

  it('after the retention ends a record can be deleted; a legal hold keeps it regardless', async () => {
    const short = client.records<{ n: number }>('short');
    await short.put('old', { n: 1 });
    await short.put('held', { n: 1 });
    await expect(short.delete('old')).rejects.toSatisfy((e: unknown) => isStorageError(e, 'RETENTION_LOCKED'));
    await new Promise((resolve) => setTimeout(resolve, 450));
    await setWormPolicy(db.options(), { namespace: 'short', retentionMs: 300, legalHold: true });
    await expect(short.delete('held')).rejects.toSatisfy((e: unknown) => isStorageError(e, 'RETENTION_LOCKED'));
    await setWormPolicy(db.options(), { namespace: 'short', retentionMs: 300, legalHold: false });
    expect(await short.delete('old')).toBe(true);
    expect(await short.delete('held')).toBe(true);
  });
});

recordWormContract({
  runner: { describe, it },
  title: 'PostgreSQL RecordStore WORM contract',
  capabilities: { worm: true },
  create: () => createPostgresRecordStore(db.options({ poolSize: 2 })),
  enableWorm: (namespace, retentionMs) => setWormPolicy(db.options(), { namespace, retentionMs, legalHold: false }),
  retentionMs: 500,
  graceMs: 300,
});
