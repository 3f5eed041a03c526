import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorageClient, isStorageError, localKeyring, type StorageClient } from '@sanctum/storage-core';
import { postgresRecords } from '../../src/index.js';
import { adminClient, migratedSchema, type TestSchema } from './support.js';

// Issue 14 on a real PostgreSQL: rows of an encrypted namespace hold ciphertext only; rotation of
// 10k records re-wraps data keys (ciphertext carried over, not re-encrypted); eraseSubject shreds.
const MARKER = `PLANTED-${randomBytes(6).toString('hex')}`;
const keys = localKeyring({ keys: { k1: randomBytes(32), k2: randomBytes(32) } });
let db: TestSchema;
let client: StorageClient;

function open(keyId: string): StorageClient {
  return createStorageClient(
    {
      schemaVersion: 1,
      adapters: { pg: { use: 'postgres', options: { url: db.url, schema: db.schema, poolSize: 4 } } },
      namespaces: {
        secret: { kind: 'record', adapter: 'pg', encryption: { keyId } },
        plain: { kind: 'record', adapter: 'pg' },
        bulk: { kind: 'record', adapter: 'pg', encryption: { keyId } },
        people: { kind: 'record', adapter: 'pg', encryption: { keyId, subjectSegment: 0 } },
        shared: { kind: 'record', adapter: 'pg', encryption: { keyId, dataKeyCache: {} } },
      },
    },
    { adapters: [postgresRecords()], keys },
  );
}

/** Every row of every table of the test schema, as PostgreSQL prints it. */
async function rawRows(): Promise<string[]> {
  const admin = adminClient(db.url, 1);
  try {
    const tables = await admin<Array<{ table_name: string }>>`select table_name from information_schema.tables where table_schema = ${db.schema}`;
    const rows: string[] = [];
    for (const { table_name } of tables) {
      const dump = await admin.unsafe<Array<{ row: string }>>(`select t::text as row from "${db.schema}"."${table_name}" t`);
      rows.push(...dump.map((r) => r.row));
    }
    return rows;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** Bytes written to sockets whose remote port is `port` while `work` runs, and their text (latin1). */
async function bytesSentDuring(port: number, work: () => Promise<unknown>): Promise<{ bytes: number; text: string }> {
  const original = Socket.prototype.write;
  const chunks: Buffer[] = [];
  Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
    if (this.remotePort === port) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof original;
  try {
    await work();
  } finally {
    Socket.prototype.write = original;
  }
  const all = Buffer.concat(chunks);
  return { bytes: all.length, text: all.toString('latin1') };
}

/** The stored text (`sne1:` + base64) of some records of a namespace, read with an admin connection. */
async function storedValues(namespace: string, keys: readonly string[]): Promise<Map<string, string>> {
  const admin = adminClient(db.url, 1);
  try {
    const tables = await admin<Array<{ table_name: string }>>`select table_name from information_schema.columns where table_schema = ${db.schema} and column_name = 'etag'`;
    const rows = await admin<Array<{ key: string; text: string }>>`select key, value #>> '{}' as text from ${admin(db.schema)}.${admin(tables[0]!.table_name)} where namespace = ${namespace} and key in ${admin(keys)}`;
    return new Map(rows.map((row) => [row.key, row.text]));
  } finally {
    await admin.end({ timeout: 5 });
  }
}

beforeAll(async () => {
  db = await migratedSchema('enc');
  client = open('k1');
});
afterAll(async () => {
  await client?.close();
  await db?.drop();
});

describe('encrypted record namespace on PostgreSQL', () => {
  it('raw scan: no row of the encrypted namespace holds the marker; the plain namespace does', async () => {
    for (let i = 0; i < 20; i++) {
      await client.records('secret').put(`user-${i}`, { ssn: MARKER, i });
      await client.records('plain').put(`user-${i}`, { ssn: MARKER, i });
    }
    await client.records('secret').putMany([{ key: 'bulk-1', value: { ssn: MARKER } }]);
    // A namespace with the data-key cache: one data key for all of these, still no plaintext.
    for (let i = 0; i < 20; i++) await client.records('shared').put(`user-${i}`, { ssn: MARKER, i });
    const rows = await rawRows();
    const hits = rows.filter((row) => row.includes(MARKER));
    expect(hits.length).toBe(20);
    expect(hits.every((row) => row.includes('plain'))).toBe(true);
    expect((await client.records('secret').get('user-7')).value).toEqual({ ssn: MARKER, i: 7 });
    expect((await client.records('shared').get('user-7')).value).toEqual({ ssn: MARKER, i: 7 });
  });

  it('rotation of 10k records: data keys re-wrapped, readable with only the new key, old key retired', async () => {
    const value = { note: 'x'.repeat(200), n: 0 };
    for (let start = 0; start < 10_000; start += 1000) {
      await client.records('bulk').putMany(Array.from({ length: 1000 }, (_, i) => ({ key: `r${String(start + i).padStart(5, '0')}`, value: { ...value, n: start + i } })));
    }
    const next = open('k2');
    const events: Array<{ type: string; details?: unknown }> = [];
    let report: Awaited<ReturnType<StorageClient['rotateKeys']>> | undefined;
    const port = Number(new URL(db.url).port || 5432);
    const samples = ['r00000', 'r04321', 'r09999'];
    const before = await storedValues('bulk', samples);
    const started = performance.now();
    const sent = await bytesSentDuring(port, async () => {
      report = await next.rotateKeys('bulk', { batchSize: 500, audit: { write: async (e) => void events.push(e) } });
    });
    const seconds = (performance.now() - started) / 1000;
    const perRecord = sent.bytes / 10_000;
    console.log(`rotation of 10k records: ${seconds.toFixed(1)} s, ${sent.bytes} bytes sent to PostgreSQL (${perRecord.toFixed(0)} per record; stored value ${before.get('r00000')!.length} characters)`);
    // Only the new header travels (spliceValue): 138 bytes, 184 as base64, plus the statement's
    // arguments and framing (~140 bytes). The fallback (a put of the whole value) sends ~610 per record.
    expect(perRecord).toBeLessThan(400);
    // No record's ciphertext is sent: the tail of each sample's stored base64 (its body; the header
    // keeps its length, so the body's base64 is the same before and after) appears nowhere.
    for (const [key, text] of before) expect(sent.text.includes(text.slice(-64)), `ciphertext of ${key} was sent`).toBe(false);
    const after = await storedValues('bulk', samples);
    for (const [key, text] of before) expect(after.get(key)!.slice(-64)).toBe(text.slice(-64));
    expect(report).toMatchObject({ scanned: 10_000, rewrapped: 10_000, skipped: 0, fromKeyIds: ['k1'], toKeyId: 'k2', cursor: undefined });
    expect(events.map((e) => e.type)).toEqual(['key.rotated']);
    keys.retireKey('k1');
    try {
      const page = await next.records('bulk').list({ limit: 1000 });
      expect(page.items).toHaveLength(1000);
      expect(page.items[123]!.value).toEqual({ ...value, n: 123 });
      expect((await next.records('bulk').get('r09999')).value).toEqual({ ...value, n: 9999 });
      // A record not rotated (other namespace, old key) now fails: the old key is gone.
      const error = await next.records('secret').get('user-1').catch((e: unknown) => e);
      expect(isStorageError(error) && error.code).toBe('KEY_NOT_FOUND');
    } finally {
      keys.addKey('k1', randomBytes(32));
      await next.close();
    }
    // 10k puts and 10k re-wraps: ~25 s on a quiet 2-core machine, more under load.
  }, 180_000);

  it('eraseSubject: records gone, and a raw row copied before cannot be decrypted after a restore', async () => {
    await client.records('people').put('alice/profile', { ssn: MARKER });
    await client.records('people').put('alice/address', { street: MARKER });
    await client.records('people').put('bob/profile', { ssn: 'bob' });
    const admin = adminClient(db.url, 1);
    try {
      const tables = await admin<Array<{ table_name: string }>>`select table_name from information_schema.columns where table_schema = ${db.schema} and column_name = 'key' and table_name in (select table_name from information_schema.columns where table_schema = ${db.schema} and column_name = 'value')`;
      const table = `"${db.schema}"."${tables[0]!.table_name}"`;
      const before = await admin.unsafe(`select * from ${table} where key like 'alice/%'`);
      expect(before.length).toBe(2);
      const report = await client.eraseSubject('alice');
      expect(report).toMatchObject({ recordsDeleted: 2, keyDestroyed: true });
      expect(await client.records('people').find('alice/profile')).toBeUndefined();
      expect((await client.records('people').get('bob/profile')).value).toEqual({ ssn: 'bob' });
      // Restore the backup rows: they are still there in the database, and unreadable.
      for (const row of before) await admin`insert into ${admin(db.schema)}.${admin(tables[0]!.table_name)} ${admin(row)}`;
      const error = await client.records('people').get('alice/profile').catch((e: unknown) => e);
      expect(isStorageError(error) && error.code).toBe('KEY_NOT_FOUND');
    } finally {
      await admin.end({ timeout: 5 });
    }
  });
});
