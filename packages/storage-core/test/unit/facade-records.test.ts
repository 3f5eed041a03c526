import { describe, expect, it } from 'vitest';
import { StorageError, createStorageClient, defineLayer, isStorageError } from '../../src/index.js';
import type { RecordStore } from '../../src/spi/index.js';

function client() {
  return createStorageClient({
    schemaVersion: 1,
    adapters: { a: { use: 'memory' }, b: { use: 'memory' } },
    namespaces: {
      users: { kind: 'record', adapter: 'a' },
      orders: { kind: 'record', adapter: 'a', maxKeyBytes: 8 },
      elsewhere: { kind: 'record', adapter: 'b' },
    },
  });
}

describe('record facade', () => {
  it('find returns undefined, get throws NOT_FOUND', async () => {
    const users = client().records('users');
    expect(await users.find('nobody')).toBeUndefined();
    await expect(users.get('nobody')).rejects.toMatchObject({ code: 'NOT_FOUND', namespace: 'users' });
  });

  it('scans every record across pages in key order', async () => {
    const users = client().records<number>('users');
    for (let i = 0; i < 25; i++) await users.put(`k${String(i).padStart(2, '0')}`, i);
    await users.put('other', -1);
    const seen: number[] = [];
    for await (const record of users.scan({ prefix: 'k', limit: 7 })) seen.push(record.value);
    expect(seen).toEqual([...Array(25).keys()]);
    const page = await users.list({ prefix: 'k', limit: 10 });
    expect(page.items).toHaveLength(10);
    expect(page.cursor).toBeDefined();
  });

  it('bulk operations go through the facade', async () => {
    const users = client().records<string>('users');
    const written = await users.putMany([
      { key: 'a', value: 'A' },
      { key: 'b', value: 'B', ifNoneMatch: '*' },
    ]);
    expect(written.map((w) => w.version)).toEqual([1, 1]);
    const read = await users.getMany(['a', 'missing', 'b']);
    expect(read.map((r) => r?.value)).toEqual(['A', undefined, 'B']);
    await expect(users.putMany([{ key: 'a', value: 'x', ifNoneMatch: '*' }])).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect((await users.get('a')).value).toBe('A');
    expect(await users.deleteMany(['a', 'b', 'missing'])).toBe(2);
    await expect(users.getMany(['ok', ''])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'keys[1]' } });
    await expect(users.deleteMany(['..'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(users.putMany([{ key: 'x', value: undefined as never }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('transactions span namespaces of one adapter instance and roll back on error', async () => {
    const storage = client();
    const users = storage.records<{ credits: number }>('users');
    const orders = storage.records<{ user: string }>('orders');
    await users.put('u1', { credits: 10 });
    await users.transaction(async (tx) => {
      const user = await tx.get('u1');
      await tx.put('u1', { credits: user.value.credits - 3 }, { ifMatch: user.etag });
      await tx.records<{ user: string }>('orders').put('o1', { user: 'u1' });
      expect(await tx.records('orders').find('o1')).toBeDefined();
    });
    expect((await users.get('u1')).value.credits).toBe(7);
    expect((await orders.get('o1')).value.user).toBe('u1');

    const failure = new Error('abort the order');
    await expect(
      users.transaction(async (tx) => {
        await tx.put('u1', { credits: 0 });
        await tx.records('orders').delete('o1');
        throw failure;
      }),
    ).rejects.toSatisfy((e: unknown) => e === failure || (e instanceof StorageError && e.cause === failure));
    expect((await users.get('u1')).value.credits).toBe(7);
    expect(await orders.find('o1')).toBeDefined();
  });

  it('transactions validate keys and refuse namespaces of another adapter instance', async () => {
    const users = client().records('users');
    await expect(users.transaction((tx) => tx.records('elsewhere').find('x'))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'namespace "elsewhere" uses another adapter instance; a transaction spans one adapter instance only',
    });
    await expect(users.transaction((tx) => tx.records('orders').put('too-long-key', 1))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(users.transaction((tx) => tx.get('a/../b'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(users.transaction((tx) => tx.get('absent'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(users.transaction((tx) => tx.records('missing-ns').find('x'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await users.transaction((tx) => tx.delete('absent'))).toBe(false);
  });

  it('cache layer purges keys written inside a transaction', async () => {
    const storage = createStorageClient(
      {
        schemaVersion: 1,
        caches: { c: { use: 'map' } },
        namespaces: { users: { kind: 'record', cache: 'c', consistency: 'eventual' }, logs: { kind: 'record' } },
      },
      {
        adapters: [
          {
            kind: 'cache',
            name: 'map',
            optionsSchema: { '~standard': { version: 1, vendor: 't', validate: (value: unknown) => ({ value }) } },
            create: () => {
              const map = new Map<string, unknown>();
              return {
                kind: 'cache',
                name: 'map',
                capabilities: { shared: false },
                get: async (k: string) => map.get(k) as never,
                set: async (k: string, e: unknown) => void map.set(k, e),
                delete: async (ks: readonly string[]) => ks.forEach((k) => map.delete(k)),
                clear: async () => map.clear(),
              };
            },
          },
        ],
      },
    );
    const users = storage.records<string>('users');
    await users.put('u', 'before');
    expect((await users.get('u')).value).toBe('before'); // fills
    await users.transaction(async (tx) => {
      await tx.put('u', 'after');
      await tx.records('logs').put('l', 'x');
    });
    expect((await users.get('u')).value).toBe('after');
    await users.transaction(async (tx) => tx.delete('u'));
    expect(await users.find('u')).toBeUndefined();
  });
});

describe('record facade requests', () => {
  // The hot path builds a call's request with the call's own fields first and sets them again after
  // copying the options (a V8 fast path); these pin that the call's fields still win.
  function recorded() {
    const seen: Array<Record<string, unknown>> = [];
    const spy = defineLayer({
      kind: 'record',
      slot: 'resilience',
      name: 'spy',
      layer: (next: RecordStore) => ({
        get: (request) => (seen.push({ ...request }), next.get(request)),
        put: (request) => (seen.push({ ...request }), next.put(request)),
        delete: (request) => (seen.push({ ...request }), next.delete(request)),
      }),
    });
    const storage = createStorageClient({ schemaVersion: 1, namespaces: { users: { kind: 'record' }, other: { kind: 'record' } } }, { layers: [spy] });
    return { storage, seen };
  }

  it('options named like request fields cannot redirect a call', async () => {
    const { storage, seen } = recorded();
    const users = storage.records<string>('users');
    const sneaky = { namespace: 'other', key: 'elsewhere', value: 'forged', correlationId: 'c-1' } as never;
    await users.put('k', 'real', sneaky);
    expect(seen.at(-1)).toMatchObject({ namespace: 'users', key: 'k', value: 'real', correlationId: 'c-1', serialized: '"real"' });
    expect((await users.get('k', sneaky)).value).toBe('real');
    expect(seen.at(-1)).toMatchObject({ namespace: 'users', key: 'k', correlationId: 'c-1' });
    expect(await users.find('k', sneaky)).toMatchObject({ key: 'k', value: 'real' });
    expect(await users.delete('k', sneaky)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ namespace: 'users', key: 'k' });
    expect(await storage.records('other').find('elsewhere')).toBeUndefined();
  });

  it("a scoped handle's principal is used when the call's options say principal: undefined", async () => {
    const { storage, seen } = recorded();
    const principal = { id: 'user-7' };
    const users = storage.as(principal).records<string>('users');
    await users.put('k', 'v', { principal: undefined, correlationId: 'c-2' } as never); // a JS caller's explicit undefined
    expect(seen.at(-1)).toMatchObject({ principal, correlationId: 'c-2' });
    await users.get('k', { principal: undefined } as never);
    expect(seen.at(-1)?.['principal']).toBe(principal);
    const other = { id: 'user-8' };
    await users.get('k', { principal: other });
    expect(seen.at(-1)?.['principal']).toBe(other);
  });
});

describe('normalizeError', () => {
  it('adopts a StorageError from another copy of core, keeping its code and fields', async () => {
    const foreign = Object.assign(new Error('stale etag'), { code: 'PRECONDITION_FAILED', retryable: false, namespace: undefined, operation: undefined, adapter: 'x', details: { a: 1 } });
    Object.defineProperty(foreign, Symbol.for('@sanctum/storage.StorageError'), { value: true });
    const store = {
      kind: 'record' as const,
      name: 'foreign',
      capabilities: { ttl: false, bulk: false, transactions: false },
      get: async () => {
        throw foreign;
      },
      put: async () => ({ version: 1, etag: 'e' }),
      delete: async () => false,
      list: async () => ({ items: [] }),
    };
    const storage = createStorageClient(
      { schemaVersion: 1, adapters: { f: { use: 'foreign' } }, namespaces: { n: { kind: 'record', adapter: 'f' } } },
      { adapters: [{ kind: 'record', name: 'foreign', optionsSchema: { '~standard': { version: 1, vendor: 't', validate: (value: unknown) => ({ value }) } }, create: () => store }] },
    );
    const error = await storage.records('n').get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(isStorageError(error, 'PRECONDITION_FAILED')).toBe(true);
    expect(error).toMatchObject({ namespace: 'n', operation: 'records.get', adapter: 'x', details: { a: 1 } });
  });
});
