import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  blobLedgerBackend,
  createLedger,
  entryHash,
  entryKey,
  isStorageError,
  ledgerAuditSink,
  recordLedgerBackend,
  type JsonValue,
  type LedgerEntry,
  type LedgerSigning,
} from '../../src/index.js';
import { createMemoryBlobStore, createMemoryRecordStore } from '../../src/spi/index.js';

const SECRET = randomBytes(32);
const HMAC: LedgerSigning = { algorithm: 'hmac-sha256', keyId: 'k1', secret: SECRET };

function setup(signing: LedgerSigning | null = HMAC) {
  const store = createMemoryRecordStore({});
  const namespace = 'ledger';
  const backend = recordLedgerBackend(store, namespace);
  const ledger = createLedger<JsonValue>({ id: 'audit', backend, ...(signing === null ? {} : { signing }), readBatch: 7 });
  const raw = {
    get: async (seq: number) => (await store.get({ namespace, key: entryKey(seq) }))?.value as unknown as LedgerEntry,
    put: (seq: number, value: unknown) => store.put({ namespace, key: entryKey(seq), value: value as JsonValue }),
    del: (seq: number) => store.delete({ namespace, key: entryKey(seq) }),
    tip: async () => (await store.get({ namespace, key: 'tip' }))?.value as Record<string, unknown>,
    putTip: (value: unknown) => store.put({ namespace, key: 'tip', value: value as JsonValue }),
  };
  return { store, backend, ledger, raw };
}

async function fill(ledger: ReturnType<typeof setup>['ledger'], count: number) {
  for (let index = 1; index <= count; index += 1) await ledger.append({ n: index });
}

async function readCodes(ledger: ReturnType<typeof setup>['ledger'], count: number): Promise<string[]> {
  const codes: string[] = [];
  for (let seq = 1; seq <= count; seq += 1) {
    try {
      const entry = await ledger.read(seq);
      expect(entry.payload).toEqual({ n: seq });
      codes.push('ok');
    } catch (error) {
      codes.push(isStorageError(error) ? error.code : 'other');
    }
  }
  return codes;
}

const okExcept = (count: number, bad: number[]) =>
  Array.from({ length: count }, (_, index) => (bad.includes(index + 1) ? 'INTEGRITY_VIOLATION' : 'ok'));

describe('ledger: append, read, verify', () => {
  it('chains entries and verifies an intact ledger', async () => {
    const { ledger } = setup();
    await fill(ledger, 20);
    const progress: number[] = [];
    const report = await ledger.verify(undefined, { onProgress: (p) => progress.push(p.through) });
    expect(report).toMatchObject({ ok: true, from: 1, to: 20, checked: 20, verified: 20, corrupt: [], tip: { status: 'ok', seq: 20 } });
    expect(progress.length).toBeGreaterThan(1);
    expect((await ledger.read(1)).prev).toBe('0'.repeat(64));
    expect((await ledger.read(2)).prev).toBe((await ledger.read(1)).hash);
    await expect(ledger.read(21)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('verifies an empty ledger and refuses bad arguments', async () => {
    const { ledger } = setup();
    expect(await ledger.verify()).toMatchObject({ ok: true, to: 0, checked: 0, corrupt: [] });
    await expect(ledger.read(0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(ledger.verify({ from: 5, to: 2 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(ledger.append({ bad: new Date() } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(() => createLedger({ id: 'x', backend: setup().backend, signing: { algorithm: 'hmac-sha256', keyId: 'k', secret: 'short' } })).toThrow(
      /at least 32 bytes/,
    );
  });

  it('reports an edited payload as exactly that entry; the rest still serve', async () => {
    const { ledger, raw } = setup();
    await fill(ledger, 12);
    await raw.put(5, { ...(await raw.get(5)), payload: { n: 5, edited: true } });
    const report = await ledger.verify();
    expect(report.corrupt).toEqual([{ from: 5, to: 5, problems: ['hash'] }]);
    expect(report.verified).toBe(11);
    expect(await readCodes(ledger, 12)).toEqual(okExcept(12, [5]));
  });

  it('reports a deleted entry, a swap and a truncated tail with their exact ranges', async () => {
    const { ledger, raw } = setup();
    await fill(ledger, 30);
    await raw.del(4);
    const [e10, e11] = [await raw.get(10), await raw.get(11)];
    await raw.put(10, e11);
    await raw.put(11, e10);
    for (const seq of [28, 29, 30]) await raw.del(seq);
    const report = await ledger.verify();
    expect(report.corrupt).toEqual([
      { from: 4, to: 4, problems: ['missing'] },
      { from: 10, to: 11, problems: ['out-of-place'] },
      { from: 28, to: 30, problems: ['missing'] },
    ]);
    expect(report.to).toBe(30);
    expect(await readCodes(ledger, 30)).toEqual(okExcept(30, [4, 10, 11, 28, 29, 30]));
  });

  it('a fresh ledger instance (no memory of verify) still refuses each tampered entry on read', async () => {
    const { ledger, raw, backend } = setup();
    await fill(ledger, 10);
    await raw.del(3);
    await raw.put(6, { ...(await raw.get(6)), payload: { n: 6, edited: true } });
    for (const seq of [9, 10]) await raw.del(seq);
    const fresh = createLedger<JsonValue>({ id: 'audit', backend, signing: HMAC });
    expect(await readCodes(fresh, 10)).toEqual(okExcept(10, [3, 6, 9, 10]));
  });

  it('a recomputed chain forged without the key is reported from the first forged entry to the end', async () => {
    const { ledger, raw } = setup();
    await fill(ledger, 15);
    // The attacker edits entry 9 and recomputes every hash after it, and the tip, but has no key.
    let prev = (await raw.get(8)).hash;
    for (let seq = 9; seq <= 15; seq += 1) {
      const original = await raw.get(seq);
      const payload = seq === 9 ? { n: 9, forged: true } : original.payload;
      const forged = { ...original, prev, payload };
      const hash = entryHash(forged);
      await raw.put(seq, { ...forged, hash });
      prev = hash;
    }
    await raw.putTip({ ...(await raw.tip()), hash: prev });
    const report = await ledger.verify();
    expect(report.corrupt).toEqual([{ from: 9, to: 15, problems: ['signature'] }]);
    expect(report.tip.status).toBe('forged');
    expect(report.ok).toBe(false);
    expect(await readCodes(ledger, 15)).toEqual(okExcept(15, [9, 10, 11, 12, 13, 14, 15]));
  });

  it('without a key, a recomputed entry is caught by the next link (the pair is reported)', async () => {
    const { ledger, raw, store } = setup(null);
    await fill(ledger, 10);
    const original = await raw.get(4);
    const forged = { ...original, payload: { n: 4, forged: true } };
    await raw.put(4, { ...forged, hash: entryHash(forged) });
    const report = await ledger.verify();
    expect(report.corrupt).toEqual([{ from: 4, to: 5, problems: ['link'] }]);
    // Reads (a fresh instance): entry 4 is not what 5 links to, and 5's link to 4 is broken; the rest serve.
    const fresh = createLedger<JsonValue>({ id: 'audit', backend: recordLedgerBackend(store, 'ledger') });
    expect(await readCodes(fresh, 10)).toEqual(okExcept(10, [4, 5]));
  });

  it('an entry of another ledger does not verify here, even with the same key', async () => {
    const a = setup();
    const other = createLedger<JsonValue>({ id: 'other', backend: recordLedgerBackend(a.store, 'other'), signing: HMAC });
    await fill(a.ledger, 3);
    await other.append({ n: 2 });
    await other.append({ n: 2 });
    const foreign = (await a.store.get({ namespace: 'other', key: entryKey(2) }))!.value;
    await a.raw.put(2, foreign);
    expect((await a.ledger.verify()).corrupt).toEqual([{ from: 2, to: 2, problems: ['wrong-ledger'] }]);
  });
});

describe('ledger: recover', () => {
  async function withReplica(count: number) {
    const primary = setup();
    const replicaStore = createMemoryRecordStore({});
    const replica = createLedger<JsonValue>({ id: 'audit', backend: recordLedgerBackend(replicaStore, 'copy'), signing: HMAC });
    for (let index = 1; index <= count; index += 1) {
      await primary.ledger.append({ n: index });
    }
    // The replica holds the very same entries (what a replication or a backup keeps).
    for (let seq = 1; seq <= count; seq += 1) {
      await replicaStore.put({ namespace: 'copy', key: entryKey(seq), value: (await primary.raw.get(seq)) as unknown as JsonValue });
    }
    return { ...primary, replica, replicaStore };
  }

  it('restores a corrupted range from a second store', async () => {
    const { ledger, raw, replica } = await withReplica(12);
    await raw.del(3);
    await raw.put(4, { ...(await raw.get(4)), payload: { n: 4, edited: true } });
    expect((await ledger.verify()).corrupt).toEqual([{ from: 3, to: 4, problems: ['hash', 'missing'] }]);
    await expect(ledger.recover({ from: 3, to: 4 }, replica)).resolves.toEqual({ from: 3, to: 4, replaced: 2 });
    expect((await ledger.verify()).ok).toBe(true);
    expect(await readCodes(ledger, 12)).toEqual(okExcept(12, []));
  });

  it('refuses a forged replacement and writes nothing', async () => {
    const { ledger, raw, replica, replicaStore } = await withReplica(8);
    await raw.del(5);
    const good = (await replicaStore.get({ namespace: 'copy', key: entryKey(5) }))!.value as unknown as LedgerEntry;
    const forged = { ...good, payload: { n: 5, forged: true } };
    await replicaStore.put({ namespace: 'copy', key: entryKey(5), value: { ...forged, hash: entryHash(forged) } as unknown as JsonValue });
    await expect(ledger.recover({ from: 5, to: 5 }, replica)).rejects.toMatchObject({ code: 'INTEGRITY_VIOLATION' });
    expect(await raw.get(5)).toBeUndefined();
    // Unsigned: the replacement is refused by the link to the next entry instead.
    const unsigned = setup(null);
    const unsignedReplica = createMemoryRecordStore({});
    await fill(unsigned.ledger, 6);
    for (let seq = 1; seq <= 6; seq += 1) {
      await unsignedReplica.put({ namespace: 'c', key: entryKey(seq), value: (await unsigned.raw.get(seq)) as unknown as JsonValue });
    }
    const original = await unsigned.raw.get(3);
    const recomputed = { ...original, payload: { n: 3, forged: true } };
    await unsignedReplica.put({ namespace: 'c', key: entryKey(3), value: { ...recomputed, hash: entryHash(recomputed) } as unknown as JsonValue });
    await unsigned.raw.del(3);
    await expect(unsigned.ledger.recover({ from: 3, to: 3 }, recordLedgerBackend(unsignedReplica, 'c'))).rejects.toMatchObject({
      code: 'INTEGRITY_VIOLATION',
      message: expect.stringContaining('does not link'),
    });
    expect(await unsigned.raw.get(3)).toBeUndefined();
  });
});

describe('ledger: concurrent writers and keys', () => {
  it('16 writers on 4 ledger instances over one store: positions unique, contiguous, chain intact', async () => {
    const { store, backend } = setup();
    const instances = Array.from({ length: 4 }, () => createLedger<JsonValue>({ id: 'audit', backend: recordLedgerBackend(store, 'ledger'), signing: HMAC }));
    const results = await Promise.all(
      Array.from({ length: 16 }, async (_, writer) => {
        const seqs: number[] = [];
        for (let index = 0; index < 25; index += 1) seqs.push((await instances[writer % 4]!.append({ writer, index })).seq);
        return seqs;
      }),
    );
    const all = results.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 400 }, (_, index) => index + 1));
    for (const seqs of results) expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const report = await createLedger({ id: 'audit', backend, signing: HMAC }).verify();
    expect(report).toMatchObject({ ok: true, to: 400, verified: 400 });
  });

  it('signs with Ed25519; a verify-only ledger reads but cannot append', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const { ledger, backend, raw } = setup({ algorithm: 'ed25519', keyId: 'ed', privateKey });
    await fill(ledger, 5);
    expect((await raw.get(2)).sig).toMatch(/^[\w-]{86}$/);
    const reader = createLedger<JsonValue>({ id: 'audit', backend, signing: { algorithm: 'ed25519', keyId: 'ed', publicKey } });
    expect((await reader.verify()).ok).toBe(true);
    await expect(reader.append({ n: 6 })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    const otherKey = generateKeyPairSync('ed25519').publicKey;
    const wrong = createLedger<JsonValue>({ id: 'audit', backend, signing: { algorithm: 'ed25519', keyId: 'ed', publicKey: otherKey } });
    expect((await wrong.verify()).corrupt).toEqual([{ from: 1, to: 5, problems: ['signature'] }]);
  });
});

describe('ledger over blobs and as an audit sink', () => {
  it('verifies a blob-backed ledger and reports a tampered object', async () => {
    const store = createMemoryBlobStore();
    const ledger = createLedger<JsonValue>({ id: 'cold', backend: blobLedgerBackend(store, 'cold'), signing: HMAC });
    await fill(ledger as never, 6);
    const body = Buffer.from(JSON.stringify({ ...(await ledger.read(2)), payload: { n: 2, edited: true } }));
    await store.put({ namespace: 'cold', key: `${entryKey(2)}.json`, body });
    await store.delete({ namespace: 'cold', key: `${entryKey(6)}.json` });
    expect((await ledger.verify()).corrupt).toEqual([
      { from: 2, to: 2, problems: ['hash'] },
      { from: 6, to: 6, problems: ['missing'] },
    ]);
    await expect(ledger.read(2)).rejects.toMatchObject({ code: 'INTEGRITY_VIOLATION' });
    expect((await ledger.read(3)).payload).toEqual({ n: 3 });
  });

  it('ledgerAuditSink appends each event; a tampered event is reported', async () => {
    const { ledger, raw } = setup();
    const sink = ledgerAuditSink(ledger);
    await sink.write({ type: 'acl.denied', time: '2026-12-01T00:00:00Z', actor: undefined, action: 'read', resource: { kind: 'record', namespace: 'users', key: 'u1' }, outcome: 'denied' });
    await sink.write({ type: 'record.deleted', time: '2026-12-01T00:00:01Z', actor: 'p1', action: 'delete', resource: { kind: 'record', namespace: 'users', key: 'u2' }, outcome: 'succeeded' });
    expect((await ledger.read(1)).payload).toMatchObject({ type: 'acl.denied', outcome: 'denied' });
    await raw.put(2, { ...(await raw.get(2)), payload: { ...(await raw.get(2)).payload as object, outcome: 'failed' } });
    expect((await ledger.verify()).corrupt).toEqual([{ from: 2, to: 2, problems: ['hash'] }]);
  });
});
