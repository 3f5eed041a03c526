import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { DataKeyCache } from '../../../src/crypto/data-key-cache.js';
import { openBytes, openHeader, rewrap, sealBytes } from '../../../src/crypto/envelope.js';
import { readHeader } from '../../../src/crypto/envelope-format.js';
import type { KeyProvider } from '../../../src/crypto/key-provider.js';
import { localKeyring } from '../../../src/crypto/local-keyring.js';
import { createStorageClient, localKeyring as publicKeyring } from '../../../src/index.js';
import { createMemoryRecordStore, createMemoryStreamStore } from '../../../src/spi/index.js';
import { factoryOf } from '../../support/map-cache.js';
import { failure } from '../../support/scripted-store.js';

/** A local keyring that counts its wrap and unwrap calls (each is a KMS round trip in production). */
function countingKeys() {
  const inner = localKeyring({ keys: { k1: randomBytes(32), k2: randomBytes(32) } });
  const calls = { wrap: 0, unwrap: 0 };
  const provider: KeyProvider & { retireKey(id: string): void } = {
    name: 'counting',
    wrap: (keyId, dataKey, context) => ((calls.wrap += 1), inner.wrap(keyId, dataKey, context)),
    unwrap: (keyId, wrapped, context) => ((calls.unwrap += 1), inner.unwrap(keyId, wrapped, context)),
    retireKey: (id) => inner.retireKey(id),
  };
  return { provider, calls };
}

/** The code `work` fails with (the test fails when it succeeds or throws something else). */
const codeOf = async (work: Promise<unknown>): Promise<string> => (await failure(work)).code;

const plain = (i: number) => Buffer.from(`{"n":${String(i)},"secret":"ssn-123-45-6789"}`);
const ctx = (key: string) => ({ namespace: 'users', key });

describe('data-key cache: one data key for many values, within bounds', () => {
  it('100 seals wrap once and 100 opens unwrap once; without the cache each value wraps and unwraps its own', async () => {
    for (const cached of [true, false]) {
      const { provider, calls } = countingKeys();
      const cache = cached ? new DataKeyCache({ maxAgeMs: 60_000, maxMessages: 1000 }) : undefined;
      const sealed = await Promise.all(Array.from({ length: 100 }, (_, i) => sealBytes(provider, 'k1', ctx(`u${String(i)}`), plain(i), cache)));
      // A fresh reader (another process): its own cache, still one unwrap for all.
      const reader = cached ? new DataKeyCache({ maxAgeMs: 60_000, maxMessages: 1000 }) : undefined;
      const opened = await Promise.all(sealed.map((bytes, i) => openBytes(provider, bytes, ctx(`u${String(i)}`), reader)));
      expect(opened.map((b) => b.toString())).toEqual(Array.from({ length: 100 }, (_, i) => plain(i).toString()));
      expect(calls).toEqual(cached ? { wrap: 1, unwrap: 1 } : { wrap: 100, unwrap: 100 });
      // Shared or not, every value has its own message id (so its own encryption key and IV space).
      expect(new Set(sealed.map((b) => readHeader(b).messageId.toString('hex'))).size).toBe(100);
      expect(sealed.every((b) => readHeader(b).shared === cached)).toBe(true);
    }
  });

  it('a data key seals at most maxMessages values, and for at most maxAgeMs', async () => {
    const { provider, calls } = countingKeys();
    const cache = new DataKeyCache({ maxAgeMs: 60_000, maxMessages: 10 });
    const wrappedOf = (b: Buffer) => readHeader(b).wrapped.toString('hex');
    const sealed = [];
    for (let i = 0; i < 25; i++) sealed.push(await sealBytes(provider, 'k1', ctx('a'), plain(i), cache));
    expect(calls.wrap).toBe(3);
    expect(new Set(sealed.slice(0, 10).map(wrappedOf)).size).toBe(1);
    expect(wrappedOf(sealed[9]!)).not.toBe(wrappedOf(sealed[10]!));

    const { provider: timed, calls: timedCalls } = countingKeys();
    const young = new DataKeyCache({ maxAgeMs: 40, maxMessages: 1000 });
    await sealBytes(timed, 'k1', ctx('a'), plain(1), young);
    await sealBytes(timed, 'k1', ctx('a'), plain(2), young);
    expect(timedCalls.wrap).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await sealBytes(timed, 'k1', ctx('a'), plain(3), young);
    expect(timedCalls.wrap).toBe(2);
  });

  it('a failed wrap or unwrap is not cached: the next call asks the key provider again', async () => {
    const kek = randomBytes(32);
    const ring = localKeyring({ keys: { k1: kek } });
    const cache = new DataKeyCache({ maxAgeMs: 60_000, maxMessages: 100 });
    const sealed = await sealBytes(ring, 'k1', ctx('a'), plain(1), cache);
    ring.retireKey('k1');
    const reader = new DataKeyCache({ maxAgeMs: 60_000, maxMessages: 100 });
    expect(await codeOf(openBytes(ring, sealed, ctx('a'), reader))).toBe('KEY_NOT_FOUND');
    expect(await codeOf(sealBytes(ring, 'k2', ctx('a'), plain(2), cache))).toBe('KEY_NOT_FOUND');
    ring.addKey('k1', kek);
    ring.addKey('k2', randomBytes(32));
    expect((await openBytes(ring, sealed, ctx('a'), reader)).toString()).toBe(plain(1).toString());
    const again = await sealBytes(ring, 'k2', ctx('a'), plain(2), cache);
    expect((await openBytes(ring, again, ctx('a'), reader)).toString()).toBe(plain(2).toString());
  });

  it('concurrent misses share one wrap; a burst larger than maxMessages wraps again', async () => {
    const { provider, calls } = countingKeys();
    const cache = new DataKeyCache({ maxAgeMs: 60_000, maxMessages: 8 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => sealBytes(provider, 'k1', ctx(`k${String(i)}`), plain(i), cache)));
    expect(calls.wrap).toBe(3);
  });

  it('a shared-key value still binds its key and namespace: moved, it fails with DECRYPT_FAILED; every flipped bit too', async () => {
    const { provider } = countingKeys();
    const cache = new DataKeyCache({ maxAgeMs: 60_000, maxMessages: 1000 });
    const a = await sealBytes(provider, 'k1', ctx('t1/alice'), plain(1), cache);
    await sealBytes(provider, 'k1', ctx('t1/bob'), plain(2), cache);
    // Same namespace, same data key, another record key: the body's AAD (v1: the header tag) refuses it.
    expect(await codeOf(openBytes(provider, a, ctx('t1/bob'), cache))).toBe('DECRYPT_FAILED');
    expect(await codeOf(openBytes(provider, a, ctx('t1/bob')))).toBe('DECRYPT_FAILED');
    // Another namespace: the wrapped key does not open there.
    expect(await codeOf(openBytes(provider, a, { namespace: 'other', key: 't1/alice' }, new DataKeyCache({ maxAgeMs: 1000, maxMessages: 10 })))).toBe('DECRYPT_FAILED');
    for (let bit = 0; bit < a.length * 8; bit += 3) {
      const flipped = Buffer.from(a);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      // A flipped key id names an unknown key: KEY_NOT_FOUND, just as safe (as for unshared values).
      expect(['DECRYPT_FAILED', 'KEY_NOT_FOUND']).toContain(await codeOf(openBytes(provider, flipped, ctx('t1/alice'), new DataKeyCache({ maxAgeMs: 1000, maxMessages: 10 }))));
    }
  });

  it('the shared flag cannot be cleared or set: the header (v1 tag, v2 body AAD) covers it', async () => {
    const { provider } = countingKeys();
    const shared = await sealBytes(provider, 'k1', ctx('a'), plain(1), new DataKeyCache({ maxAgeMs: 1000, maxMessages: 10 }));
    const own = await sealBytes(provider, 'k1', ctx('a'), plain(1));
    const flags = 4;
    expect(shared[flags]).toBe(0x02);
    expect(own[flags]).toBe(0x00);
    const cleared = Buffer.from(shared);
    cleared[flags] = 0;
    const set = Buffer.from(own);
    set[flags] = 0x02;
    expect(await codeOf(openBytes(provider, cleared, ctx('a')))).toBe('DECRYPT_FAILED');
    expect(await codeOf(openBytes(provider, set, ctx('a')))).toBe('DECRYPT_FAILED');
  });

  it('rotation re-wraps a shared-key value under the new key; it opens with the old key retired', async () => {
    const { provider } = countingKeys();
    const sealed = await sealBytes(provider, 'k1', ctx('a'), plain(7), new DataKeyCache({ maxAgeMs: 1000, maxMessages: 10 }));
    const header = sealed.subarray(0, readHeader(sealed).length);
    const moved = Buffer.concat([await rewrap(provider, header, 'k2', ctx('a')), sealed.subarray(header.length)]);
    provider.retireKey('k1');
    expect(readHeader(moved)).toMatchObject({ keyId: 'k2', shared: true });
    expect((await openBytes(provider, moved, ctx('a'), new DataKeyCache({ maxAgeMs: 1000, maxMessages: 10 }))).toString()).toBe(plain(7).toString());
    expect((await openHeader(provider, moved, ctx('a'))).header.keyId).toBe('k2');
  });
});

describe('data-key cache through the facade (encryption.dataKeyCache)', () => {
  it('records and stream payloads: one wrap for many writes, values read back; off = one wrap per write', async () => {
    for (const cached of [true, false]) {
      const { provider, calls } = countingKeys();
      const encryption = { keyId: 'k1', ...(cached ? { dataKeyCache: { maxMessages: 500 } } : {}) };
      const records = createMemoryRecordStore();
      const streams = createMemoryStreamStore();
      const client = createStorageClient(
        {
          schemaVersion: 1,
          adapters: { r: { use: 'rec' }, s: { use: 'str' } },
          namespaces: { users: { kind: 'record', adapter: 'r', encryption }, events: { kind: 'stream', adapter: 's', encryption } },
        },
        { adapters: [factoryOf(records, 'rec'), factoryOf(streams, 'str')], keys: provider },
      );
      try {
        const users = client.records<{ n: number }>('users');
        for (let i = 0; i < 50; i++) await users.put(`u${String(i)}`, { n: i });
        await client.streams('events').publishBatch(Array.from({ length: 20 }, (_, i) => ({ key: `e${String(i)}`, payload: { n: i } })));
        expect((await users.get('u42')).value).toEqual({ n: 42 });
        expect(calls.wrap).toBe(cached ? 2 : 70);
      } finally {
        await client.close();
      }
    }
  });

  it('refuses dataKeyCache together with subjectSegment, naming the field', () => {
    const attempt = () =>
      parseConfig({
        schemaVersion: 1,
        adapters: { r: { use: 'rec' } },
        namespaces: { people: { kind: 'record', adapter: 'r', encryption: { keyId: 'k1', subjectSegment: 0, dataKeyCache: {} } } },
      });
    expect(attempt).toThrow(/dataKeyCache/);
    expect(attempt).toThrow(/subjectSegment/);
    void publicKeyring;
  });
});
