import { describe, expect, it } from 'vitest';
import { createMemoryBlobStore, createMemoryRecordStore, memoryRecords } from '../../src/spi/index.js';
import type { RecordStore } from '../../src/spi/index.js';

const ns = 'users';

function clock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('memory record store', () => {
  it('is created by its factory, whose schema validates and refuses unknown options', async () => {
    const factory = memoryRecords();
    expect(factory).toMatchObject({ kind: 'record', name: 'memory' });
    const ok = await factory.optionsSchema['~standard'].validate(undefined);
    expect(ok.issues).toBeUndefined();
    const bad = await factory.optionsSchema['~standard'].validate({ capabilities: { ttl: 'yes' }, extra: 1 });
    expect(bad.issues?.length).toBeGreaterThanOrEqual(2);
    const valid = await factory.optionsSchema['~standard'].validate({ capabilities: { bulk: false } });
    if (valid.issues) throw new Error('expected valid options');
    const store = factory.create(valid.value, { instanceName: 'm', logger: { log: () => undefined } } as never);
    expect(store.capabilities).toEqual({ ttl: true, bulk: false, transactions: true, splice: true });
    await expect(store.getMany!({ namespace: ns, keys: ['a'] })).rejects.toMatchObject({ code: 'UNSUPPORTED', adapter: 'memory' });
  });

  it('refuses values that are not JSON and mutually exclusive conditions', async () => {
    const store = createMemoryRecordStore();
    await expect(store.put({ namespace: ns, key: 'k', value: 10n as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.put({ namespace: ns, key: 'k', value: undefined as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.put({ namespace: ns, key: 'k', value: 1, ifMatch: 'x', ifNoneMatch: '*' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      operation: 'records.put',
      namespace: ns,
    });
    await expect(store.put({ namespace: ns, key: '', value: 1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await store.get({ namespace: ns, key: 'k' })).toBeUndefined();
  });

  it('expires records lazily by its clock and restarts their version', async () => {
    const time = clock();
    const store = createMemoryRecordStore({ now: time.now });
    await store.put({ namespace: ns, key: 'k', value: 1, ttlMs: 1_000 });
    expect((await store.get({ namespace: ns, key: 'k' }))?.expiresAt).toBe(2_000);
    time.advance(999);
    expect(await store.get({ namespace: ns, key: 'k' })).toBeDefined();
    time.advance(1);
    expect(await store.get({ namespace: ns, key: 'k' })).toBeUndefined();
    expect((await store.list({ namespace: ns })).items).toEqual([]);
    expect((await store.put({ namespace: ns, key: 'k', value: 2 })).version).toBe(1);
    for (const ttlMs of [0, -5, Number.NaN]) {
      await expect(store.put({ namespace: ns, key: 'k', value: 1, ttlMs })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });

  it('list skips expired records in the middle of a page', async () => {
    const time = clock();
    const store = createMemoryRecordStore({ now: time.now });
    for (const key of ['a', 'b', 'c', 'd']) await store.put({ namespace: ns, key, value: key, ...(key === 'b' ? { ttlMs: 10 } : {}) });
    time.advance(10);
    const page = await store.list({ namespace: ns, limit: 2 });
    expect(page.items.map((item) => item.key)).toEqual(['a', 'c']);
    const rest = await store.list({ namespace: ns, limit: 2, cursor: page.cursor! });
    expect(rest.items.map((item) => item.key)).toEqual(['d']);
    expect(rest.cursor).toBeUndefined();
  });

  it('validates limits (default 100, at most 1000, never clamped) and cursors (opaque, bound to their listing)', async () => {
    const store = createMemoryRecordStore();
    const entries = Array.from({ length: 1005 }, (_, i) => ({ key: `k${String(i).padStart(4, '0')}`, value: i }));
    await store.putMany!({ namespace: ns, entries: entries.slice(0, 1000) });
    await store.putMany!({ namespace: ns, entries: entries.slice(1000) });
    expect((await store.list({ namespace: ns })).items).toHaveLength(100);
    const big = await store.list({ namespace: ns, limit: 1000 });
    expect(big.items).toHaveLength(1000);
    expect(big.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    for (const limit of [0, -1, 1.5, 1001, 5_000]) await expect(store.list({ namespace: ns, limit })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.putMany!({ namespace: ns, entries })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'entries' } });
    const blobs = createMemoryBlobStore();
    await blobs.put({ namespace: ns, key: 'k0001', body: new Uint8Array(1) });
    await blobs.put({ namespace: ns, key: 'k0002', body: new Uint8Array(1) });
    const foreign = (await blobs.list({ namespace: ns, limit: 1 })).cursor!; // a blob listing's cursor
    await expect(store.list({ namespace: ns, cursor: foreign })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const otherNamespace = big.cursor!;
    await expect(store.list({ namespace: `${ns}-other`, cursor: otherNamespace })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'cursor' } });
    await expect(store.list({ namespace: ns, prefix: 'k1', cursor: otherNamespace })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'cursor' } });
    await expect(store.list({ namespace: ns, cursor: 'a' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('putMany refuses a batch that writes one key twice (one rule on every adapter) and writes nothing', async () => {
    const store = createMemoryRecordStore();
    await expect(store.putMany!({ namespace: ns, entries: [{ key: 'k', value: 1 }, { key: 'k', value: 2 }] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { field: 'entries[1].key' },
    });
    expect(await store.get({ namespace: ns, key: 'k' })).toBeUndefined();
    await store.put({ namespace: ns, key: 'n', value: 0 });
    await expect(
      store.putMany!({ namespace: ns, entries: [{ key: 'm', value: 1 }, { key: 'n', value: 2, ifNoneMatch: '*' }] }),
    ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(await store.get({ namespace: ns, key: 'm' })).toBeUndefined();
    expect((await store.get({ namespace: ns, key: 'n' }))?.version).toBe(1);
  });

  it('makes plain writes wait while a transaction runs (serializable), then applies them after it', async () => {
    const store = createMemoryRecordStore();
    await store.put({ namespace: ns, key: 'k', value: 0 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const tx = store.transaction!(async (ops) => {
      const current = await ops.get({ namespace: ns, key: 'k' });
      await gate;
      await ops.put({ namespace: ns, key: 'k', value: (current!.value as number) + 1, ifMatch: current!.etag });
      order.push('tx');
    });
    const plain = store.put({ namespace: ns, key: 'k', value: 100 }).then((result) => {
      order.push('plain');
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual([]);
    expect((await store.get({ namespace: ns, key: 'k' }))?.value).toBe(0); // reads see committed state
    release();
    await tx;
    expect((await plain).version).toBe(3);
    expect(order).toEqual(['tx', 'plain']);
  });

  it('runs transactions one at a time and refuses a handle used after its transaction', async () => {
    const store = createMemoryRecordStore();
    const events: string[] = [];
    let leaked: Parameters<Parameters<NonNullable<RecordStore['transaction']>>[0]>[0] | undefined;
    await Promise.all([
      store.transaction!(async (ops) => {
        leaked = ops;
        events.push('a:start');
        await new Promise((resolve) => setTimeout(resolve, 10));
        events.push('a:end');
      }),
      store.transaction!(async () => {
        events.push('b:start');
        events.push('b:end');
      }),
    ]);
    expect(events).toEqual(['a:start', 'a:end', 'b:start', 'b:end']);
    await expect(leaked!.put({ namespace: ns, key: 'k', value: 1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('fails aborted operations with TIMEOUT or UNAVAILABLE', async () => {
    const store = createMemoryRecordStore();
    const timeout = AbortSignal.abort(new DOMException('too slow', 'TimeoutError'));
    await expect(store.get({ namespace: ns, key: 'k', signal: timeout })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(store.put({ namespace: ns, key: 'k', value: 1, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('key order', () => {
  it('lists in code point order (UTF-8 byte order), not UTF-16 code unit order', async () => {
    const store = createMemoryRecordStore();
    const keys = ['z', '\u{1F600}', '\uFF5E', 'a', '\uE000', 'é'];
    for (const key of keys) await store.put({ namespace: 'n', key, value: 1 });
    const page = await store.list({ namespace: 'n' });
    const utf8Order = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(page.items.map((i) => i.key)).toEqual(utf8Order);
    expect(utf8Order.indexOf('\u{1F600}')).toBeGreaterThan(utf8Order.indexOf('\uFF5E'));
  });
});
