import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobLedgerBackend, createLedger, entryHash, entryKey, isStorageError, type Ledger, type LedgerSigning } from '@sanctum/storage-core';
import type { S3BlobStore } from '../../src/index.js';
import { RUN_ID, createStore, dropBucket, makeBucket, rawClient } from './support.js';

// A ledger on S3 blobs (the cold tier), tampered through the raw S3 client (minio), never the library.
const signing: LedgerSigning = { algorithm: 'ed25519', keyId: 'k1', privateKey: generateKeyPairSync('ed25519').privateKey };
const bucket = `${RUN_ID}-ledger`;
const replicaBucket = `${RUN_ID}-ledger-replica`;
const raw = rawClient();
let store: S3BlobStore;
let replicaStore: S3BlobStore;
let counter = 0;

beforeAll(async () => {
  await Promise.all([makeBucket(bucket), makeBucket(replicaBucket)]);
  store = createStore({ bucket });
  replicaStore = createStore({ bucket: replicaBucket });
});

afterAll(async () => {
  await Promise.all([store?.close!(), replicaStore?.close!()]);
  await Promise.all([dropBucket(bucket), dropBucket(replicaBucket)]);
});

const objectOf = (namespace: string, seq: number) => `${namespace}/${entryKey(seq)}.json`;

async function readRaw(name: string, key: string): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of await raw.getObject(name, key)) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

async function writeRaw(name: string, key: string, value: unknown): Promise<void> {
  const body = Buffer.from(JSON.stringify(value));
  await raw.putObject(name, key, body, body.length);
}

async function ledgerOf(count: number): Promise<{ ledger: Ledger; replica: Ledger; namespace: string }> {
  counter += 1;
  const namespace = `l${String(counter)}`;
  const ledger = createLedger({ id: 'cold', backend: blobLedgerBackend(store, namespace), signing });
  const replica = createLedger({ id: 'cold', backend: blobLedgerBackend(replicaStore, namespace), signing });
  await Promise.all(Array.from({ length: count }, (_, index) => ledger.append({ n: index + 1 })));
  for (const key of [...Array.from({ length: count }, (_, i) => objectOf(namespace, i + 1)), `${namespace}/tip.json`]) {
    await raw.copyObject(replicaBucket, key, `/${bucket}/${key}`);
  }
  return { ledger, replica, namespace };
}

async function readCodes(ledger: Ledger, count: number): Promise<string[]> {
  const codes: string[] = [];
  for (let seq = 1; seq <= count; seq += 1) codes.push(await ledger.read(seq).then(() => 'ok', (e: unknown) => (isStorageError(e) ? e.code : String(e))));
  return codes;
}
const okExcept = (count: number, bad: number[]) => Array.from({ length: count }, (_, i) => (bad.includes(i + 1) ? 'INTEGRITY_VIOLATION' : 'ok'));

describe('ledger on S3 blobs, tampered through the raw S3 client', () => {
  it('edited payload, deleted entry, swapped pair and truncated tail: exact ranges; the rest serve', async () => {
    const { ledger, namespace } = await ledgerOf(16);
    await writeRaw(bucket, objectOf(namespace, 2), { ...(await readRaw(bucket, objectOf(namespace, 2))), payload: { n: 2, edited: true } });
    await raw.removeObject(bucket, objectOf(namespace, 5));
    const [e8, e9] = [await readRaw(bucket, objectOf(namespace, 8)), await readRaw(bucket, objectOf(namespace, 9))];
    await writeRaw(bucket, objectOf(namespace, 8), e9);
    await writeRaw(bucket, objectOf(namespace, 9), e8);
    await raw.removeObjects(bucket, [objectOf(namespace, 15), objectOf(namespace, 16)]);
    const report = await ledger.verify();
    expect(report.corrupt).toEqual([
      { from: 2, to: 2, problems: ['hash'] },
      { from: 5, to: 5, problems: ['missing'] },
      { from: 8, to: 9, problems: ['out-of-place'] },
      { from: 15, to: 16, problems: ['missing'] },
    ]);
    expect(await readCodes(ledger, 16)).toEqual(okExcept(16, [2, 5, 8, 9, 15, 16]));
  }, 30_000);

  it('a recomputed chain without the key is reported from its first entry; recovery from a second bucket restores it, a forged replacement is refused', async () => {
    const { ledger, replica, namespace } = await ledgerOf(10);
    let prev = (await readRaw(bucket, objectOf(namespace, 6))).hash as string;
    for (let seq = 7; seq <= 10; seq += 1) {
      const value = await readRaw(bucket, objectOf(namespace, seq));
      const forged = { ...value, prev, payload: seq === 7 ? { n: 7, forged: true } : value['payload'] } as Parameters<typeof entryHash>[0];
      const hash = entryHash(forged);
      await writeRaw(bucket, objectOf(namespace, seq), { ...forged, hash });
      prev = hash;
    }
    await writeRaw(bucket, `${namespace}/tip.json`, { ...(await readRaw(bucket, `${namespace}/tip.json`)), hash: prev });
    const report = await ledger.verify();
    expect(report.corrupt).toEqual([{ from: 7, to: 10, problems: ['signature'] }]);
    expect(report.tip.status).toBe('forged');
    // A forged entry in the replica is refused; nothing is written.
    const good8 = await readRaw(replicaBucket, objectOf(namespace, 8));
    await writeRaw(replicaBucket, objectOf(namespace, 8), { ...good8, payload: { n: 8, forged: true } });
    await expect(ledger.recover({ from: 7, to: 10 }, replica)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'INTEGRITY_VIOLATION'));
    expect((await readRaw(bucket, objectOf(namespace, 7)))['payload']).toEqual({ n: 7, forged: true });
    await writeRaw(replicaBucket, objectOf(namespace, 8), good8);
    expect(await ledger.recover({ from: 7, to: 10 }, replica)).toEqual({ from: 7, to: 10, replaced: 4 });
    expect(await readCodes(ledger, 10)).toEqual(okExcept(10, []));
    // The forged tip was restored from the replica's, which vouches for entry 10.
    expect(await ledger.verify()).toMatchObject({ ok: true, corrupt: [], tip: { status: 'ok', seq: 10 } });
  }, 30_000);
});
