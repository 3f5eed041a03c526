import { describe, expect, it } from 'vitest';
import { createRulePolicy, createStorageClient, isStorageError, type AccessPolicy, type Message } from '../../src/index.js';
import { compileKeyPattern } from '../../src/security/key-pattern.js';

const denied = (e: unknown) => isStorageError(e, 'ACCESS_DENIED');

describe('key patterns', () => {
  it('binds placeholders, keeps * inside one segment and lets ** cross segments', () => {
    const p = compileKeyPattern('{tenant}/*/public/**');
    const t1 = { id: 'u', tenant: 't1' };
    expect(p.matches('t1/a/public/x/y', t1)).toBe(true);
    expect(p.matches('t1/a/b/public/x', t1)).toBe(false);
    expect(p.matches('t10/a/public/x', t1)).toBe(false);
    expect(p.prefixFor(t1)).toBe('t1/');
    expect(compileKeyPattern('{id}/**').matches('u/x', t1)).toBe(true);
    expect(compileKeyPattern('{attr.team}/**').matches('blue/x', { id: 'u', attributes: { team: 'blue' } })).toBe(true);
  });

  it('a placeholder value holding "/", "*" or braces, or missing, matches nothing', () => {
    const p = compileKeyPattern('{tenant}/**');
    for (const tenant of ['t1/x', '*', '{id}', '']) expect(p.matches(`${tenant}/k`, { id: 'u', tenant })).toBe(false);
    expect(p.matches('t1/k', { id: 'u' })).toBe(false);
    expect(p.prefixFor({ id: 'u', tenant: 'a/b' })).toBeUndefined();
  });

  it('bad patterns are CONFIG_INVALID naming the rule', () => {
    expect(() => createStorageClient({ schemaVersion: 1, namespaces: {}, security: { acl: { rules: [{ roles: ['r'], actions: ['read'], keys: ['{nope}/**'] }] } } })).toThrow(
      /security\.acl\.rules\.0\.keys\.0[\s\S]*unknown placeholder/,
    );
  });
});

describe('rule policy', () => {
  const policy = createRulePolicy([
    { roles: ['user'], actions: ['read', 'list'], keys: ['{tenant}/**'] },
    { roles: ['user'], actions: ['read', 'list'], effect: 'deny', keys: ['{tenant}/secret/**'] },
    { roles: ['admin'], actions: ['*'], namespaces: ['users'] },
  ]);
  const user = { id: 'u', tenant: 't1', roles: ['user'] };

  it('default deny; a deny rule beats an allow; rules are scoped to namespaces', () => {
    expect(policy(user, 'read', { kind: 'record', namespace: 'users', key: 't1/a' })).toBe('allow');
    expect(policy(user, 'read', { kind: 'record', namespace: 'users', key: 't1/secret/a' })).toBe('deny');
    expect(policy(user, 'write', { kind: 'record', namespace: 'users', key: 't1/a' })).toBe('deny');
    expect(policy(undefined, 'read', { kind: 'record', namespace: 'users', key: 't1/a' })).toBe('deny');
    expect(policy({ id: 'a', roles: ['admin'] }, 'delete', { kind: 'record', namespace: 'users', key: 'x' })).toBe('allow');
    expect(policy({ id: 'a', roles: ['admin'] }, 'delete', { kind: 'record', namespace: 'orders', key: 'x' })).toBe('deny');
  });

  it('a listing is allowed under the pattern prefix, and items a deny rule covers are left out', async () => {
    const storage = createStorageClient(
      { schemaVersion: 1, namespaces: { users: { kind: 'record' } } },
      { security: { policy } },
    );
    const admin = storage.as({ id: 'a', roles: ['admin'] }).records('users');
    for (const key of ['t1/a', 't1/secret/b', 't1/c', 't2/a']) await admin.put(key, 1);
    const page = await storage.as(user).records('users').list({ prefix: 't1/' });
    expect(page.items.map((i) => i.key)).toEqual(['t1/a', 't1/c']);
    await expect(storage.as(user).records('users').list({ prefix: 't' })).rejects.toSatisfy(denied);
    await expect(storage.as(user).records('users').list()).rejects.toSatisfy(denied);
    await storage.close();
  });
});

describe('policy hook', () => {
  it('async hooks work; a throwing hook denies; the per-call principal beats the scope', async () => {
    const seen: string[] = [];
    const hook: AccessPolicy = async (principal, action, resource) => {
      seen.push(`${principal?.id ?? '-'}:${action}:${resource.key ?? resource.prefix ?? ''}`);
      if (resource.key === 'boom') throw new Error('policy bug');
      return principal?.id === 'ok' ? { decision: 'allow' } : { decision: 'deny', reason: 'not ok' };
    };
    const storage = createStorageClient({ schemaVersion: 1, namespaces: { users: { kind: 'record' } } }, { security: { policy: hook } });
    await storage.as({ id: 'ok' }).records('users').put('k', 1);
    await expect(storage.as({ id: 'ok' }).records('users').get('boom')).rejects.toSatisfy(denied);
    await expect(storage.as({ id: 'no' }).records('users').get('k')).rejects.toSatisfy(denied);
    await expect(storage.as({ id: 'no' }).records('users').get('k', { principal: { id: 'ok' } })).resolves.toMatchObject({ value: 1 });
    expect(seen).toContain('no:read:k');
    await storage.close();
  });

  it('a namespace with acl "off" is not checked', async () => {
    const storage = createStorageClient(
      { schemaVersion: 1, namespaces: { open: { kind: 'record', security: { acl: 'off' } }, closed: { kind: 'record' } }, security: { acl: { rules: [] } } },
    );
    await storage.records('open').put('k', 1);
    await expect(storage.records('closed').put('k', 1)).rejects.toSatisfy(denied);
    await storage.close();
  });
});

describe('streams', () => {
  it('publish checks each message key; a subscriber receives only messages its patterns cover', async () => {
    const storage = createStorageClient(
      { schemaVersion: 1, namespaces: { events: { kind: 'stream' } }, security: { acl: { rules: [{ roles: ['user'], actions: ['publish', 'consume'], keys: ['{tenant}/**'] }, { roles: ['writer'], actions: ['publish'] }] } } },
    );
    const t1 = storage.as({ id: 'u1', tenant: 't1', roles: ['user'] }).streams<{ n: number }>('events');
    await expect(t1.publish({ n: 0 }, { key: 't2/x' })).rejects.toSatisfy(denied);
    await expect(t1.publish({ n: 0 })).rejects.toSatisfy(denied);
    await expect(t1.publishBatch([{ payload: { n: 0 }, key: 't1/a' }, { payload: { n: 0 }, key: 't2/a' }])).rejects.toSatisfy(denied);
    const writer = storage.as({ id: 'w', roles: ['writer'] }).streams<{ n: number }>('events');
    const got: Array<Message<{ n: number }>> = [];
    const sub = await t1.subscribe('g1', async (m) => void got.push(m));
    await writer.publish({ n: 1 }, { key: 't2/a' });
    await writer.publish({ n: 2 }, { key: 't1/a' });
    await writer.publish({ n: 3 });
    await writer.publish({ n: 4 }, { key: 't1/b' });
    const end = Date.now() + 5_000;
    while (got.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    await sub.close();
    expect(got.map((m) => m.payload.n)).toEqual([2, 4]);
    await expect(storage.as({ id: 'w', roles: ['writer'] }).streams('events').subscribe('g2', async () => {})).rejects.toSatisfy(denied);
    await storage.close();
  });
});

describe('blob canned ACLs follow the namespace policy', () => {
  it('a public-read namespace under the policy is CONFIG_INVALID; a per-call public-read needs admin', async () => {
    const rules = { rules: [{ roles: ['user'], actions: ['write' as const], keys: ['{tenant}/**'] }, { roles: ['publisher'], actions: ['write' as const, 'admin' as const] }] };
    expect(() => createStorageClient({ schemaVersion: 1, namespaces: { site: { kind: 'blob', acl: 'public-read' } }, security: { acl: rules } })).toThrow(/public-read but under the access policy/);
    createStorageClient({ schemaVersion: 1, namespaces: { site: { kind: 'blob', acl: 'public-read', security: { acl: 'off' } } }, security: { acl: rules } });
    const storage = createStorageClient({ schemaVersion: 1, namespaces: { media: { kind: 'blob' } }, security: { acl: rules } });
    const user = storage.as({ id: 'u', tenant: 't1', roles: ['user'] }).blobs('media');
    await user.put('t1/a', 'x');
    await expect(user.put('t1/b', 'x', { acl: 'public-read' })).rejects.toSatisfy(denied);
    await storage.as({ id: 'p', roles: ['publisher'] }).blobs('media').put('t1/c', 'x', { acl: 'public-read' });
    await storage.close();
  });
});
