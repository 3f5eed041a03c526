import { describe, expect, it } from 'vitest';
import { createStorageClient, isStorageError, type AuditEvent, type AuditSink, type LogEvent } from '../../src/index.js';

const RULES = [
  { roles: ['user'], actions: ['read', 'write', 'delete', 'list'] as Array<'read' | 'write' | 'delete' | 'list'>, keys: ['{tenant}/**'] },
  { roles: ['auditor'], actions: ['read', 'list'] as Array<'read' | 'list'>, namespaces: ['audit'] },
];
const alice = { id: 'alice', tenant: 't1', roles: ['user'] };

function setup(sink?: AuditSink, mode: 'fail-open' | 'fail-closed' = 'fail-closed', timeoutMs = 5_000) {
  const logs: LogEvent[] = [];
  const storage = createStorageClient(
    {
      schemaVersion: 1,
      namespaces: {
        users: { kind: 'record', security: { audit: mode } },
        media: { kind: 'blob', security: { audit: mode } },
        audit: { kind: 'record' },
      },
      security: { acl: { rules: RULES }, audit: { ...(sink === undefined ? { namespace: 'audit' } : {}), timeoutMs } },
    },
    { logger: { log: (e) => void logs.push(e) }, security: { redactionKey: 'k'.repeat(32), ...(sink === undefined ? {} : { auditSinks: [sink] }) } },
  );
  return { storage, logs };
}

describe('audit events', () => {
  it('the durable record sink stores every event in order, with actor, action, resource, outcome, correlation id and time', async () => {
    const { storage, logs } = setup();
    const users = storage.as(alice).records('users');
    await users.put('t1/a', { n: 1 });
    await expect(storage.as(alice).records('users').get('t2/x', { correlationId: 'req-1' })).rejects.toSatisfy((e: unknown) => isStorageError(e, 'ACCESS_DENIED'));
    await users.delete('t1/a', { correlationId: 'req-2' });
    await storage.as(alice).blobs('media').put('t1/b', 'x');
    await storage.as(alice).blobs('media').delete('t1/b', { correlationId: 'req-3' });
    await storage.audit({ type: 'key.rotated', time: new Date().toISOString(), actor: undefined, action: 'rotate', resource: { kind: 'key', key: 'kek-1' }, outcome: 'succeeded' });
    await storage.audit({ type: 'subject.erased', time: new Date().toISOString(), actor: 'h', action: 'erase', resource: { kind: 'subject', key: 's' }, outcome: 'succeeded' });
    const trail = await storage.as({ id: 'aud', roles: ['auditor'] }).records<AuditEvent>('audit').list();
    expect(trail.items.map((r) => r.value.type)).toEqual(['acl.denied', 'record.deleted', 'object.deleted', 'key.rotated', 'subject.erased']);
    const [denied, deleted, objectDeleted] = trail.items.map((r) => r.value);
    expect(denied).toMatchObject({ action: 'read', outcome: 'denied', correlationId: 'req-1', resource: { kind: 'record', namespace: 'users' } });
    expect(denied!.actor).toMatch(/^\[principal:[0-9a-f]{16}\]$/);
    expect(denied!.resource.key).toMatch(/^\[key:[0-9a-f]{16}\]$/);
    expect(deleted).toMatchObject({ action: 'delete', outcome: 'succeeded', correlationId: 'req-2', actor: denied!.actor, resource: { namespace: 'users' } });
    expect(objectDeleted).toMatchObject({ type: 'object.deleted', correlationId: 'req-3', resource: { kind: 'blob', namespace: 'media' } });
    expect(Date.parse(deleted!.time)).toBeGreaterThan(0);
    // The ACL decision is logged with the same correlation id.
    expect(logs.find((l) => l.event === 'acl.decision')).toMatchObject({ level: 'warn', decision: 'deny', correlationId: 'req-1', action: 'read' });
    // Nobody without a rule reads the trail, and a tenant user cannot delete from it.
    await expect(users.delete('x')).rejects.toSatisfy((e: unknown) => isStorageError(e, 'ACCESS_DENIED'));
    await expect(storage.as(alice).records('audit').list()).rejects.toSatisfy((e: unknown) => isStorageError(e, 'ACCESS_DENIED'));
    await storage.close();
  });

  it('fail-closed: the operation fails when its audit event cannot be written', async () => {
    const { storage } = setup({ write: () => Promise.reject(new Error('sink down')) }, 'fail-closed');
    const users = storage.as(alice).records('users');
    await users.put('t1/a', 1);
    await expect(users.delete('t1/a')).rejects.toSatisfy((e: unknown) => isStorageError(e, 'UNAVAILABLE') && (e as Error).message.includes('fail-closed'));
    await storage.close();
  });

  it('fail-closed: a sink that never answers fails the operation by the audit deadline', async () => {
    const { storage } = setup({ write: () => new Promise(() => {}) }, 'fail-closed', 200);
    const users = storage.as(alice).records('users');
    await users.put('t1/a', 1);
    const started = performance.now();
    await expect(users.delete('t1/a')).rejects.toSatisfy((e: unknown) => isStorageError(e, 'UNAVAILABLE'));
    expect(performance.now() - started).toBeLessThan(2_000);
    await storage.close();
  });

  it('fail-open: the operation succeeds and the failure is logged', async () => {
    const { storage, logs } = setup({ write: () => Promise.reject(new Error('sink down')) }, 'fail-open');
    const users = storage.as(alice).records('users');
    await users.put('t1/a', 1);
    await expect(users.delete('t1/a', { correlationId: 'c9' })).resolves.toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(logs.find((l) => l.event === 'audit.failed')).toMatchObject({ level: 'error', type: 'record.deleted', correlationId: 'c9' });
    await storage.close();
  });

  it('a transaction emits its deletions after commit, and none after a rollback', async () => {
    const events: AuditEvent[] = [];
    const { storage } = setup({ write: async (e) => void events.push(e) });
    const users = storage.as(alice).records('users');
    await users.put('t1/a', 1);
    await users.put('t1/b', 1);
    await users.transaction(async (tx) => {
      await tx.delete('t1/a');
      expect(events).toEqual([]);
    });
    expect(events.map((e) => e.type)).toEqual(['record.deleted']);
    await expect(
      users.transaction(async (tx) => {
        await tx.delete('t1/b');
        throw new Error('roll back');
      }),
    ).rejects.toThrow();
    expect(events).toHaveLength(1);
    await expect(users.transaction((tx) => tx.get('t2/a'))).rejects.toSatisfy((e: unknown) => isStorageError(e, 'ACCESS_DENIED'));
    await storage.close();
  });
});
