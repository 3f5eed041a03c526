import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from 'postgres';
import { createLedger, entryHash, entryKey, isStorageError, recordLedgerBackend, type JsonValue, type Ledger, type LedgerSigning } from '@sanctum/storage-core';
import { createPostgresRecordStore, type PostgresRecordStore } from '../../src/index.js';
import { adminClient, migratedSchema, type TestSchema } from './support.js';

// Tampering goes through postgres.js directly (what someone with database access does), never
// through the library; the ledger must report exactly the touched range and refuse to serve it.
const signing: LedgerSigning = { algorithm: 'hmac-sha256', keyId: 'k1', secret: randomBytes(32) };
let db: TestSchema;
let store: PostgresRecordStore;
let replicaDb: TestSchema;
let replicaStore: PostgresRecordStore;
let raw: Sql;
let namespaceCounter = 0;

beforeAll(async () => {
  [db, replicaDb] = await Promise.all([migratedSchema('ledger'), migratedSchema('ledger_replica')]);
  store = createPostgresRecordStore(db.options({ poolSize: 4 }));
  replicaStore = createPostgresRecordStore(replicaDb.options({ poolSize: 2 }));
  await Promise.all([store.open!(), replicaStore.open!()]);
  raw = adminClient(db.url);
});

afterAll(async () => {
  await Promise.all([store?.close!(), replicaStore?.close!()]);
  await raw?.end({ timeout: 5 });
  await Promise.all([db?.drop(), replicaDb?.drop()]);
});

/** A fresh ledger of `count` entries in its own namespace, mirrored into the replica database. */
async function ledgerOf(count: number): Promise<{ ledger: Ledger; replica: Ledger; namespace: string; table: string }> {
  namespaceCounter += 1;
  const namespace = `l${String(namespaceCounter)}`;
  const ledger = createLedger({ id: 'audit', backend: recordLedgerBackend(store, namespace), signing });
  const replica = createLedger({ id: 'audit', backend: recordLedgerBackend(replicaStore, namespace), signing });
  await Promise.all(Array.from({ length: count }, (_, index) => ledger.append({ n: index + 1 })));
  // The replica: the same entries copied row by row (as logical replication or a restore would).
  const rows = await raw.unsafe(`SELECT key, value FROM "${db.schema}".records WHERE namespace = $1`, [namespace]);
  for (const row of rows) await replicaStore.put({ namespace, key: row['key'] as string, value: row['value'] as JsonValue });
  return { ledger, replica, namespace, table: `"${db.schema}".records` };
}

async function readCodes(ledger: Ledger, count: number): Promise<string[]> {
  const codes: string[] = [];
  for (let seq = 1; seq <= count; seq += 1) {
    try {
      await ledger.read(seq);
      codes.push('ok');
    } catch (error) {
      codes.push(isStorageError(error) ? error.code : String(error));
    }
  }
  return codes;
}

const okExcept = (count: number, bad: number[]) => Array.from({ length: count }, (_, i) => (bad.includes(i + 1) ? 'INTEGRITY_VIOLATION' : 'ok'));

describe('ledger on PostgreSQL, tampered through raw SQL', () => {
  it('concurrent appends (16 at once) get positions 1..n in one intact chain', async () => {
    const { ledger } = await ledgerOf(64);
    expect(await ledger.verify()).toMatchObject({ ok: true, to: 64, verified: 64, corrupt: [] });
  });

  it('an edited payload', async () => {
    const { ledger, namespace, table } = await ledgerOf(20);
    await raw.unsafe(`UPDATE ${table} SET value = jsonb_set(value, '{payload,n}', '999') WHERE namespace = $1 AND key = $2`, [namespace, entryKey(7)]);
    expect((await ledger.verify()).corrupt).toEqual([{ from: 7, to: 7, problems: ['hash'] }]);
    expect(await readCodes(ledger, 20)).toEqual(okExcept(20, [7]));
  });

  it('a deleted entry', async () => {
    const { ledger, namespace, table } = await ledgerOf(20);
    await raw.unsafe(`DELETE FROM ${table} WHERE namespace = $1 AND key = $2`, [namespace, entryKey(12)]);
    expect((await ledger.verify()).corrupt).toEqual([{ from: 12, to: 12, problems: ['missing'] }]);
    expect(await readCodes(ledger, 20)).toEqual(okExcept(20, [12]));
  });

  it('two entries swapped', async () => {
    const { ledger, namespace, table } = await ledgerOf(20);
    await raw.unsafe(
      `UPDATE ${table} t SET value = o.value FROM ${table} o
       WHERE t.namespace = $1 AND o.namespace = $1 AND ((t.key = $2 AND o.key = $3) OR (t.key = $3 AND o.key = $2))`,
      [namespace, entryKey(3), entryKey(4)],
    );
    expect((await ledger.verify()).corrupt).toEqual([{ from: 3, to: 4, problems: ['out-of-place'] }]);
    expect(await readCodes(ledger, 20)).toEqual(okExcept(20, [3, 4]));
  });

  it('a truncated tail', async () => {
    const { ledger, namespace, table } = await ledgerOf(20);
    await raw.unsafe(`DELETE FROM ${table} WHERE namespace = $1 AND key > $2 AND key LIKE 'e/%'`, [namespace, entryKey(16)]);
    const report = await ledger.verify();
    expect(report.corrupt).toEqual([{ from: 17, to: 20, problems: ['missing'] }]);
    expect(report.tip).toEqual({ status: 'ok', seq: 20 });
    expect(await readCodes(ledger, 20)).toEqual(okExcept(20, [17, 18, 19, 20]));
  });

  it('a recomputed chain forged without the signing key', async () => {
    const { ledger, namespace, table } = await ledgerOf(20);
    // Rewrite entry 10 and re-hash 10..20 and the tip so every hash and link is consistent again.
    const rows = await raw.unsafe(`SELECT key, value FROM ${table} WHERE namespace = $1 AND key LIKE 'e/%' ORDER BY key`, [namespace]);
    let prev = (rows[8]!['value'] as { hash: string }).hash;
    for (const row of rows.slice(9)) {
      const value = row['value'] as Record<string, unknown> & { seq: number };
      const forged = { ...value, prev, payload: value.seq === 10 ? { n: 10, forged: true } : value['payload'] } as Parameters<typeof entryHash>[0];
      const hash = entryHash(forged);
      await raw.unsafe(`UPDATE ${table} SET value = $3::text::jsonb WHERE namespace = $1 AND key = $2`, [namespace, row['key'], JSON.stringify({ ...forged, hash })]);
      prev = hash;
    }
    await raw.unsafe(`UPDATE ${table} SET value = jsonb_set(value, '{hash}', to_jsonb($2::text)) WHERE namespace = $1 AND key = 'tip'`, [namespace, prev]);
    const report = await ledger.verify();
    expect(report.corrupt).toEqual([{ from: 10, to: 20, problems: ['signature'] }]);
    expect(report.tip.status).toBe('forged');
    expect(await readCodes(ledger, 20)).toEqual(okExcept(20, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]));
  });

  it('recovery from a second database restores the range; a forged replacement is refused', async () => {
    const { ledger, replica, namespace, table } = await ledgerOf(20);
    await raw.unsafe(`DELETE FROM ${table} WHERE namespace = $1 AND key IN ($2, $3)`, [namespace, entryKey(5), entryKey(6)]);
    await raw.unsafe(`UPDATE ${table} SET value = jsonb_set(value, '{payload,n}', '0') WHERE namespace = $1 AND key = $2`, [namespace, entryKey(7)]);
    expect((await ledger.verify()).corrupt).toEqual([{ from: 5, to: 7, problems: ['hash', 'missing'] }]);
    // A forged replacement in the second store: refused, and nothing written.
    const replicaTable = `"${replicaDb.schema}".records`;
    const admin = adminClient(replicaDb.url, 1);
    try {
      await admin.unsafe(`UPDATE ${replicaTable} SET value = jsonb_set(value, '{payload,n}', '66') WHERE namespace = $1 AND key = $2`, [namespace, entryKey(6)]);
      await expect(ledger.recover({ from: 5, to: 7 }, replica)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'INTEGRITY_VIOLATION'));
      expect(await raw.unsafe(`SELECT 1 FROM ${table} WHERE namespace = $1 AND key = $2`, [namespace, entryKey(5)])).toHaveLength(0);
      await admin.unsafe(`UPDATE ${replicaTable} SET value = jsonb_set(value, '{payload,n}', '6') WHERE namespace = $1 AND key = $2`, [namespace, entryKey(6)]);
    } finally {
      await admin.end({ timeout: 5 });
    }
    expect(await ledger.recover({ from: 5, to: 7 }, replica)).toEqual({ from: 5, to: 7, replaced: 3 });
    expect((await ledger.verify()).ok).toBe(true);
    expect(await readCodes(ledger, 20)).toEqual(okExcept(20, []));
  });
});
