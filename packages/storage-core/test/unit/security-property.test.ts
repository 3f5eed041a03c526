import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStorageClient, isStorageError, type Principal, type StorageClient } from '../../src/index.js';
import { spyStores, type SpiedCall } from '../support/spy-stores.js';

// Property: whatever the tenants, principals and keys, a tenant principal never reaches a key outside
// `<tenant>/`, and a denied call never reaches the adapter.

const TENANTS = ['t1', 't10', 't1-x', 'acme', 'a', 'ab'];
const RULES = [
  { roles: ['tenant-user'], actions: ['read', 'write', 'delete', 'list', 'presign'] as const, keys: ['{tenant}/**'] },
  { roles: ['seeder'], actions: ['*'] as const },
];

function client(): { storage: StorageClient; calls: SpiedCall[] } {
  const spies = spyStores();
  const storage = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { r: { use: 'spy-records' }, b: { use: 'spy-blobs' } },
      namespaces: { users: { kind: 'record', adapter: 'r' }, media: { kind: 'blob', adapter: 'b', checksum: 'none' } },
      security: { acl: { rules: RULES.map((r) => ({ ...r, actions: [...r.actions] })) } },
    },
    { adapters: spies.factories },
  );
  return { storage, calls: spies.calls };
}

const segment = fc.stringMatching(/^[a-z0-9-]{1,5}$/);
const tenant = fc.oneof(fc.constantFrom(...TENANTS), segment, fc.constantFrom('t1/x', 'a*', '{tenant}', ''));
const key = fc.oneof(
  fc.tuple(fc.constantFrom(...TENANTS), fc.array(segment, { minLength: 1, maxLength: 3 })).map(([t, rest]) => `${t}/${rest.join('/')}`),
  fc.tuple(segment, fc.array(segment, { maxLength: 2 })).map(([head, rest]) => [head, ...rest].join('/')),
  fc.constantFrom('t1', 't10/x', 't1-x/y', 't1x/z', 'a/b', 'ab/c'),
);
const prefix = fc.oneof(fc.constant(''), fc.constantFrom('t', 't1', 't1/', 't10/', 'a', 'a/', 'ab/'), key.map((k) => k.slice(0, Math.max(1, k.length - 1))));
const op = fc.oneof(
  fc.record({ kind: fc.constantFrom('get', 'put', 'delete', 'blob-get', 'blob-put', 'blob-delete'), key }),
  fc.record({ kind: fc.constantFrom('list', 'scan', 'blob-list'), prefix }),
  fc.record({ kind: fc.constantFrom('getMany', 'deleteMany'), keys: fc.array(key, { minLength: 1, maxLength: 4 }) }),
);

type Op = { kind: string; key?: string; prefix?: string; keys?: string[] };

async function run(storage: StorageClient, principal: Principal, o: Op): Promise<readonly string[]> {
  const users = storage.as(principal).records('users');
  const media = storage.as(principal).blobs('media');
  switch (o.kind) {
    case 'get':
      return (await users.find(o.key!)) === undefined ? [] : [o.key!];
    case 'put':
      await users.put(o.key!, { v: 1 });
      return [o.key!];
    case 'delete':
      await users.delete(o.key!);
      return [o.key!];
    case 'blob-get':
      return (await media.exists(o.key!)) ? [o.key!] : [];
    case 'blob-put':
      await media.put(o.key!, 'x');
      return [o.key!];
    case 'blob-delete':
      await media.delete(o.key!);
      return [o.key!];
    case 'list':
      return (await users.list({ prefix: o.prefix! })).items.map((i) => i.key);
    case 'scan': {
      const seen: string[] = [];
      for await (const item of users.scan({ prefix: o.prefix!, limit: 2 })) seen.push(item.key);
      return seen;
    }
    case 'blob-list':
      return (await media.list({ prefix: o.prefix! })).items.map((i) => i.key);
    case 'getMany':
      return (await users.getMany(o.keys!)).flatMap((r) => (r === undefined ? [] : [r.key]));
    case 'deleteMany':
      await users.deleteMany(o.keys!);
      return o.keys!;
    default:
      throw new Error(o.kind);
  }
}

const within = (t: string, k: string): boolean => /^[^/*{}]+$/.test(t) && k.startsWith(`${t}/`);

describe('tenant isolation (property)', () => {
  it('no principal reads, writes, lists, scans or deletes outside its tenant prefix; a deny makes zero adapter calls', async () => {
    const { storage, calls } = client();
    const seeder = storage.as({ id: 'seed', roles: ['seeder'] });
    for (const t of TENANTS) {
      for (const k of ['a', 'b/c', 'd']) {
        await seeder.records('users').put(`${t}/${k}`, { t });
        await seeder.blobs('media').put(`${t}/${k}`, t);
      }
    }
    await fc.assert(
      fc.asyncProperty(tenant, fc.constantFrom('p1', 'p2'), op, async (t, id, o: Op) => {
        const principal: Principal = { id, tenant: t, roles: ['tenant-user'] };
        const before = calls.length;
        const targets = o.keys ?? (o.key === undefined ? undefined : [o.key]);
        const expectAllowed = targets !== undefined ? targets.every((k) => within(t, k)) : within(t, o.prefix!) || (/^[^/*{}]+$/.test(t) && o.prefix === `${t}/`);
        let seen: readonly string[] = [];
        let denied = false;
        try {
          seen = await run(storage, principal, o);
        } catch (error) {
          if (!isStorageError(error, 'ACCESS_DENIED')) throw error;
          denied = true;
        }
        const made = calls.slice(before);
        expect(denied).toBe(!expectAllowed);
        if (denied) {
          expect(made).toEqual([]);
          return;
        }
        // Every key the adapter was asked about and every key returned lies inside the tenant.
        for (const call of made) {
          for (const k of call.keys) expect(within(t, k)).toBe(true);
          if (call.prefix !== undefined) expect(call.prefix.startsWith(`${t}/`)).toBe(true);
        }
        for (const k of seen) expect(within(t, k)).toBe(true);
      }),
      { numRuns: 400 },
    );
    await storage.close();
  });

  it('a call without a principal is denied before any adapter call', async () => {
    const { storage, calls } = client();
    await expect(storage.records('users').get('t1/a')).rejects.toSatisfy((e: unknown) => isStorageError(e, 'ACCESS_DENIED'));
    await expect(storage.blobs('media').list()).rejects.toSatisfy((e: unknown) => isStorageError(e, 'ACCESS_DENIED'));
    expect(calls).toEqual([]);
    await storage.close();
  });
});
