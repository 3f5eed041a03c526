import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { CHECKSUM_METADATA_KEY, createStorageClient, isStorageError, localKeyring, type StorageRuntime } from '../../../src/index.js';
import { createMemoryBlobStore, createMemoryRecordStore, createMemoryStreamStore, type RecordStore } from '../../../src/spi/index.js';
import { readHeader } from '../../../src/crypto/envelope-format.js';
import type { AuditEvent } from '../../../src/spi/audit.js';
import { createTestCache, factoryOf } from '../../support/map-cache.js';

const MARKER = 'PLANTED-MARKER-7f3a';

function setup(options: { shared?: boolean; records?: RecordStore } = {}) {
  const records = options.records ?? createMemoryRecordStore();
  const blobs = createMemoryBlobStore();
  const streams = createMemoryStreamStore();
  const cache = createTestCache();
  (cache as { capabilities: { shared: boolean } }).capabilities = { shared: options.shared ?? true };
  const keys = localKeyring({ keys: { k1: randomBytes(32), k2: randomBytes(32) } });
  const events: AuditEvent[] = [];
  const audit = { write: async (event: AuditEvent) => void events.push(event) };
  const config = (keyId: string) => ({
    schemaVersion: 1,
    adapters: { r: { use: 'rec' }, b: { use: 'blob' }, s: { use: 'str' } },
    caches: { c: { use: 'cache' } },
    namespaces: {
      users: { kind: 'record', adapter: 'r', cache: 'c', stalenessBudgetMs: 60_000, encryption: { keyId } },
      plain: { kind: 'record', adapter: 'r' },
      people: { kind: 'record', adapter: 'r', encryption: { keyId, subjectSegment: 0 } },
      media: { kind: 'blob', adapter: 'b', encryption: { keyId } },
      docs: { kind: 'blob', adapter: 'b', encryption: { keyId, subjectSegment: 0 } },
      rawmedia: { kind: 'blob', adapter: 'b' },
      events: { kind: 'stream', adapter: 's', encryption: { keyId } },
    },
  });
  const runtime: StorageRuntime = {
    adapters: [factoryOf(records, 'rec'), factoryOf(blobs, 'blob'), factoryOf(streams, 'str'), factoryOf(cache, 'cache')],
    keys,
  };
  return { records, blobs, streams, cache, keys, events, audit, runtime, client: createStorageClient(config('k1'), runtime), withKey: (id: string) => createStorageClient(config(id), runtime) };
}

async function code(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'no error';
  } catch (error) {
    return isStorageError(error) ? error.code : String(error);
  }
}

describe('record encryption through the facade', () => {
  it('stores an envelope, reads the value back; the plaintext namespace stores it as given', async () => {
    const { client, records } = setup();
    await client.records('users').put('t1/u1', { ssn: MARKER });
    await client.records('plain').put('t1/u1', { ssn: MARKER });
    const raw = await records.get({ namespace: 'users', key: 't1/u1' });
    expect(JSON.stringify(raw!.value)).not.toContain(MARKER);
    expect(JSON.stringify((await records.get({ namespace: 'plain', key: 't1/u1' }))!.value)).toContain(MARKER);
    expect((await client.records('users').get('t1/u1')).value).toEqual({ ssn: MARKER });
    const page = await client.records('users').list();
    expect(page.items.map((item) => item.value)).toEqual([{ ssn: MARKER }]);
    await client.records('users').putMany([{ key: 't1/u2', value: { n: 2 } }]);
    expect((await client.records('users').getMany(['t1/u2', 'nope'])).map((r) => r?.value)).toEqual([{ n: 2 }, undefined]);
  });

  it('a value moved to another key or namespace fails with DECRYPT_FAILED', async () => {
    const { client, records } = setup();
    await client.records('users').put('a', { v: 1 });
    const raw = (await records.get({ namespace: 'users', key: 'a' }))!;
    await records.put({ namespace: 'users', key: 'b', value: raw.value });
    expect(await code(client.records('users').get('b', { bypassCache: true }))).toBe('DECRYPT_FAILED');
    await records.put({ namespace: 'people', key: 's1/a', value: raw.value });
    expect(await code(client.records('people').get('s1/a'))).toBe('DECRYPT_FAILED');
  });

  it('a shared cache receives sealed values only; a process-local one may hold plaintext', async () => {
    for (const shared of [true, false]) {
      const { client, cache } = setup({ shared });
      await client.records('users').put('k', { secret: MARKER });
      expect((await client.records('users').get('k')).value).toEqual({ secret: MARKER });
      expect(cache.entries.size).toBe(1);
      const stored = JSON.stringify([...cache.entries.values()].map((e) => e.entry.value));
      expect(stored.includes(MARKER)).toBe(!shared);
      // A hit is served (and opened) from the cache.
      expect((await client.records('users').get('k')).value).toEqual({ secret: MARKER });
    }
  });

  it('transactions encrypt too', async () => {
    const { client, records } = setup();
    await client.records('plain').transaction(async (tx) => {
      await tx.records('users').put('tx', { secret: MARKER });
    });
    expect(JSON.stringify((await records.get({ namespace: 'users', key: 'tx' }))!.value)).not.toContain(MARKER);
    expect((await client.records('users').get('tx')).value).toEqual({ secret: MARKER });
  });

  it('refuses an encrypted namespace without a key provider at creation', () => {
    let error: unknown;
    try {
      createStorageClient({ schemaVersion: 1, namespaces: { s: { kind: 'record', encryption: { keyId: 'k' } } } });
    } catch (e) {
      error = e;
    }
    expect(isStorageError(error) && error.code).toBe('CONFIG_INVALID');
  });
});

const body = randomBytes(300 * 1024 + 17);

describe('blob encryption through the facade', () => {
  it('streams frames, hides body and metadata, serves full and range reads, no plaintext digest', async () => {
    const { client, blobs } = setup();
    const plain = Buffer.concat([Buffer.from(MARKER), body]);
    const result = await client.blobs('media').put('a.bin', Readable.from([plain.subarray(0, 1000), plain.subarray(1000)]), { metadata: { owner: MARKER }, contentType: 'application/x-test' });
    expect(result.size).toBe(plain.length);
    const raw = (await blobs.get({ namespace: 'media', key: 'a.bin' }))!;
    const rawBytes = await buffer(raw.body);
    expect(rawBytes.includes(Buffer.from(MARKER))).toBe(false);
    expect(JSON.stringify(raw.meta.metadata)).not.toContain(MARKER);
    const digest = createHash('sha256').update(plain).digest('hex');
    expect(JSON.stringify(raw.meta.metadata)).not.toContain(digest);
    // No digest at all: the AEAD authenticates (and a digest would force S3 to stage and copy).
    expect(raw.meta.metadata[CHECKSUM_METADATA_KEY]).toBeUndefined();
    expect((await client.blobs('media').getBytes('a.bin')).equals(plain)).toBe(true);
    const head = await client.blobs('media').head('a.bin');
    expect(head.size).toBe(plain.length);
    expect(head.metadata).toEqual({ owner: MARKER });
    const ranged = await client.blobs('media').get('a.bin', { range: { start: 70_000, end: 200_000 } });
    expect((await buffer(ranged.body)).equals(plain.subarray(70_000, 200_001))).toBe(true);
    expect(ranged.range).toEqual({ start: 70_000, end: 200_000 });
    const listed = await client.blobs('media').list();
    expect(listed.items[0]!.size).toBe(plain.length);
    // The unencrypted namespace shows the marker, so the check above could fail.
    await client.blobs('rawmedia').put('a.bin', plain, { metadata: { owner: MARKER } });
    expect((await buffer((await blobs.get({ namespace: 'rawmedia', key: 'a.bin' }))!.body)).includes(Buffer.from(MARKER))).toBe(true);
    expect(await code(client.blobs('media').presign('a.bin', { method: 'GET', expiresInSeconds: 60 }))).toBe('UNSUPPORTED');
  });

  it('a tampered stored object fails with DECRYPT_FAILED', async () => {
    const { client, blobs } = setup();
    await client.blobs('media').put('t.bin', body);
    const raw = (await blobs.get({ namespace: 'media', key: 't.bin' }))!;
    const bytes = await buffer(raw.body);
    bytes[100_000]! ^= 1;
    await blobs.put({ namespace: 'media', key: 't.bin', body: bytes, metadata: raw.meta.metadata });
    expect(await code(client.blobs('media').getBytes('t.bin'))).toBe('DECRYPT_FAILED');
    // Copied under another key: the header is bound to the key.
    await client.blobs('media').put('u.bin', body);
    const u = (await blobs.get({ namespace: 'media', key: 'u.bin' }))!;
    await blobs.put({ namespace: 'media', key: 'v.bin', body: await buffer(u.body), metadata: u.meta.metadata });
    expect(await code(client.blobs('media').getBytes('v.bin'))).toBe('DECRYPT_FAILED');
  });
});

describe('stream payload encryption', () => {
  it('publishes sealed payloads and delivers plaintext', async () => {
    const { client, streams } = setup();
    const topic = client.streams<{ s: string }>('events');
    const got: unknown[] = [];
    const seen: Buffer[] = [];
    const rawSub = await streams.subscribe({ namespace: 'events', group: 'raw', handler: async (m) => void seen.push(Buffer.from(m.payload)), maxInFlight: 1, maxDeliveries: 1, ackTimeoutMs: 1000, from: 'earliest' });
    const sub = await topic.subscribe('g', async (m) => void got.push(m.payload), { from: 'earliest' });
    await topic.publish({ s: MARKER }, { key: 'k1' });
    for (let i = 0; i < 100 && (got.length === 0 || seen.length === 0); i++) await new Promise((r) => setTimeout(r, 10));
    await sub.close();
    await rawSub.close();
    expect(got).toEqual([{ s: MARKER }]);
    expect(seen[0]!.includes(Buffer.from(MARKER))).toBe(false);
  });
});

describe('rotation and erasure (memory stores)', () => {
  it('re-wraps records and blobs under the new key; the old key can be retired', async () => {
    const s = setup();
    for (let i = 0; i < 250; i++) await s.client.records('users').put(`r${String(i).padStart(3, '0')}`, { i });
    await s.client.blobs('media').put('b1', body);
    const rawBefore = await buffer((await s.blobs.get({ namespace: 'media', key: 'b1' }))!.body);
    const next = s.withKey('k2');
    const progress: Array<string | undefined> = [];
    const report = await next.rotateKeys('users', { audit: s.audit, batchSize: 100, onProgress: (p) => void progress.push(p.cursor) });
    expect(report).toMatchObject({ scanned: 250, rewrapped: 250, fromKeyIds: ['k1'], toKeyId: 'k2', cursor: undefined });
    expect(progress.length).toBe(3);
    const blobReport = await next.rotateKeys('media', { audit: s.audit });
    expect(blobReport).toMatchObject({ rewrapped: 1, fromKeyIds: ['k1'] });
    // The blob's data bytes did not change; only its header metadata did.
    expect((await buffer((await s.blobs.get({ namespace: 'media', key: 'b1' }))!.body)).equals(rawBefore)).toBe(true);
    s.keys.retireKey('k1');
    expect((await next.records('users').get('r123', { bypassCache: true })).value).toEqual({ i: 123 });
    expect((await next.blobs('media').getBytes('b1')).equals(body)).toBe(true);
    expect((await next.rotateKeys('users')).rewrapped).toBe(0);
    expect(s.events.map((e) => [e.type, e.outcome, e.resource.namespace])).toEqual([
      ['key.rotated', 'succeeded', 'users'],
      ['key.rotated', 'succeeded', 'media'],
    ]);
  });

  it('records: only the header is spliced in (ciphertext after it unchanged, TTL kept); without splice, a full put', async () => {
    for (const splice of [true, false]) {
      const inner = createMemoryRecordStore({ capabilities: { splice } });
      const calls: string[] = [];
      const records = new Proxy(inner, {
        get(target, name) {
          const value: unknown = Reflect.get(target, name);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            calls.push(String(name));
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      const s = setup({ records });
      for (let i = 0; i < 5; i++) await s.client.records('users').put(`r${String(i)}`, { i, pad: 'x'.repeat(300) }, { ttlMs: 3_600_000 });
      const before = await inner.list({ namespace: 'users' });
      calls.length = 0;
      const report = await s.withKey('k2').rotateKeys('users');
      expect(report).toMatchObject({ scanned: 5, rewrapped: 5, skipped: 0, fromKeyIds: ['k1'] });
      expect(calls.filter((name) => name !== 'list')).toEqual(Array.from({ length: 5 }, () => (splice ? 'spliceValue' : 'put')));
      const after = await inner.list({ namespace: 'users' });
      for (const [i, entry] of after.items.entries()) {
        const old = before.items[i]!;
        const envelope = (value: unknown) => Buffer.from((value as string).slice('sne1:'.length), 'base64');
        const [was, now] = [envelope(old.value), envelope(entry.value)];
        expect(readHeader(now).keyId).toBe('k2');
        expect(now.subarray(readHeader(now).length).equals(was.subarray(readHeader(was).length))).toBe(true);
        expect(entry.version).toBe(old.version + 1);
        if (splice) expect(entry.expiresAt).toBe(old.expiresAt);
      }
      s.keys.retireKey('k1');
      expect((await s.withKey('k2').records('users').get('r3', { bypassCache: true })).value).toEqual({ i: 3, pad: 'x'.repeat(300) });
    }
  });

  it('resumes from a cursor', async () => {
    const s = setup();
    for (let i = 0; i < 30; i++) await s.client.records('users').put(`r${String(i).padStart(2, '0')}`, { i });
    const next = s.withKey('k2');
    const controller = new AbortController();
    const first = await next
      .rotateKeys('users', { batchSize: 10, signal: controller.signal, onProgress: (p) => (p.scanned >= 10 ? controller.abort() : undefined) })
      .catch(() => undefined);
    expect(first).toBeUndefined();
    const resumed = await next.rotateKeys('users', { batchSize: 10, cursor: (await s.records.list({ namespace: 'users', limit: 10 })).cursor! });
    expect(resumed.scanned).toBe(20);
    expect(resumed.rewrapped).toBe(20);
  });

  it('eraseSubject deletes the subject everywhere and shreds its key: an earlier raw copy no longer opens', async () => {
    const s = setup();
    await s.client.records('people').put('alice/profile', { name: MARKER });
    await s.client.records('people').put('bob/profile', { name: 'bob' });
    await s.client.blobs('docs').put('alice/passport.pdf', body);
    const copy = (await s.records.get({ namespace: 'people', key: 'alice/profile' }))!;
    const report = await s.client.eraseSubject('alice', { audit: s.audit });
    expect(report).toMatchObject({ recordsDeleted: 1, blobsDeleted: 1, keyDestroyed: true });
    expect(await s.client.records('people').find('alice/profile')).toBeUndefined();
    expect(await code(s.client.blobs('docs').get('alice/passport.pdf'))).toBe('NOT_FOUND');
    expect((await s.client.records('people').get('bob/profile')).value).toEqual({ name: 'bob' });
    // Restore the raw copy taken before: it can no longer be decrypted.
    await s.records.put({ namespace: 'people', key: 'alice/profile', value: copy.value });
    expect(await code(s.client.records('people').get('alice/profile'))).toBe('KEY_NOT_FOUND');
    expect(s.events.map((e) => [e.type, e.outcome])).toEqual([['subject.erased', 'succeeded']]);
  });
});
