import { describe, expect, it } from 'vitest';
import { createStorageClient } from '../../src/index.js';
import { createMemoryRecordStore, type RecordStore } from '../../src/spi/index.js';
import { cacheKey } from '../../src/testing.js';
import { createTestCache, factoryOf, type TestCache } from '../support/map-cache.js';
import { createInvalidationBus, type InvalidationBus } from '../support/invalidation-bus.js';
import { laggingStore, withGet } from '../support/lagging-store.js';

const config = {
  schemaVersion: 1,
  adapters: { db: { use: 'under-test' } },
  caches: { hot: { use: 'under-test' } },
  namespaces: {
    users: { kind: 'record', adapter: 'db', cache: 'hot', consistency: 'eventual', cacheTtlMs: 60_000 },
    orders: { kind: 'record', adapter: 'db', cache: 'hot', consistency: 'eventual', cacheTtlMs: 60_000 },
  },
} as const;

/** One client with its own cache on `bus`, over `store` (shared between clients). */
function clientOn(store: RecordStore, bus: InvalidationBus) {
  const cache: TestCache = bus.attach(createTestCache());
  const client = createStorageClient(config, { adapters: [factoryOf(store), factoryOf(cache)] });
  return { client, cache, users: client.records<string>('users'), orders: client.records<string>('orders') };
}

describe('cache coherence across clients (ADR-001)', () => {
  it("B's eventual read returns A's write right after the invalidation, not after TTL", async () => {
    const bus = createInvalidationBus();
    const store = createMemoryRecordStore();
    const a = clientOn(store, bus);
    const b = clientOn(store, bus);
    await a.users.put('k', 'v1');
    expect((await b.users.get('k')).value).toBe('v1'); // B's cache now holds v1 for 60 s
    expect(b.cache.entries.has(cacheKey('users', 'k'))).toBe(true);
    await a.users.put('k', 'v2');
    await bus.flush();
    expect((await b.users.get('k')).value).toBe('v2');
    await a.users.delete('k');
    await bus.flush();
    expect(await b.users.find('k')).toBeUndefined();
  });

  it('a fill racing an invalidation is not stored', async () => {
    const bus = createInvalidationBus();
    const store = createMemoryRecordStore();
    let hold: Promise<void> | undefined;
    const gated = withGet(store, async (request) => {
      const entry = await store.get(request);
      await hold;
      return entry;
    });
    const a = clientOn(store, bus);
    const b = clientOn(gated, bus);
    await a.users.put('k', 'v1');
    let release!: () => void;
    hold = new Promise<void>((resolve) => (release = resolve));
    const slow = b.users.get('k'); // reads v1, then waits before filling
    await new Promise((resolve) => setImmediate(resolve));
    await a.users.put('k', 'v2');
    await bus.flush(); // B hears of the write while its read is still in flight
    hold = undefined;
    release();
    expect((await slow).value).toBe('v1');
    expect(b.cache.entries.has(cacheKey('users', 'k'))).toBe(false);
    expect((await b.users.get('k')).value).toBe('v2');
  });

  it('ignores other namespaces in invalidations and unsubscribes on close', async () => {
    const bus = createInvalidationBus();
    const store = createMemoryRecordStore();
    const a = clientOn(store, bus);
    const b = clientOn(store, bus);
    await a.users.put('k', 'u');
    await a.orders.put('k', 'o');
    await bus.flush();
    await b.users.get('k');
    await b.orders.get('k');
    expect(bus.listeners).toBe(4);
    await a.orders.put('k', 'o2');
    await bus.flush();
    expect(b.cache.entries.has(cacheKey('users', 'k'))).toBe(true);
    expect(b.cache.entries.has(cacheKey('orders', 'k'))).toBe(false);
    await b.client.close();
    await a.client.close();
    expect(bus.listeners).toBe(0);
  });

  it('a transaction writing two namespaces leaves neither cache stale, here or in other clients', async () => {
    const bus = createInvalidationBus();
    const store = createMemoryRecordStore();
    const a = clientOn(store, bus);
    const b = clientOn(store, bus);
    await a.users.put('k', 'u1');
    await a.orders.put('k', 'o1');
    for (const c of [a, b]) {
      expect((await c.users.get('k')).value).toBe('u1');
      expect((await c.orders.get('k')).value).toBe('o1');
    }
    await a.users.transaction(async (tx) => {
      await tx.put('k', 'u2');
      await tx.records<string>('orders').put('k', 'o2');
    });
    expect((await a.users.get('k')).value).toBe('u2');
    expect((await a.orders.get('k')).value).toBe('o2');
    await bus.flush();
    expect((await b.users.get('k')).value).toBe('u2');
    expect((await b.orders.get('k')).value).toBe('o2');
  });

  it('purges nothing when the transaction rolls back', async () => {
    const bus = createInvalidationBus();
    const a = clientOn(createMemoryRecordStore(), bus);
    await a.orders.put('k', 'o1');
    await a.orders.get('k');
    await expect(
      a.users.transaction(async (tx) => {
        await tx.records<string>('orders').put('k', 'o2');
        throw new Error('roll back');
      }),
    ).rejects.toThrow();
    expect(a.cache.entries.has(cacheKey('orders', 'k'))).toBe(true);
    expect((await a.orders.get('k')).value).toBe('o1');
  });

  it("the read-your-writes wait ends when the caller's signal aborts", async () => {
    const store = laggingStore(createMemoryRecordStore(), () => 10_000);
    const client = createStorageClient(
      { schemaVersion: 1, adapters: { db: { use: 'under-test' } }, namespaces: { users: { kind: 'record', adapter: 'db' } } },
      { adapters: [factoryOf(store)] },
    );
    const users = client.records<string>('users');
    await users.put('k', 'v1');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    // Without the signal the wait runs to its 100 ms deadline and fails with CONSISTENCY instead.
    await expect(users.get('k', { signal: controller.signal })).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/aborted/) });
  });
});
