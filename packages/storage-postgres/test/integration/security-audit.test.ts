import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorageClient, isStorageError, type AuditEvent, type StorageClient } from '@sanctum/storage-core';
import { postgresRecords } from '../../src/index.js';
import { adminClient, migratedSchema, type TestSchema } from './support.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixture = join(packageDir, 'test', 'integration', 'fixtures', 'audit-then-die.ts');

let db: TestSchema;
let storage: StorageClient;

beforeAll(async () => {
  db = await migratedSchema('audit');
  storage = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { pg: { use: 'postgres', options: { url: db.url, schema: db.schema, poolSize: 4 } } },
      namespaces: {
        users: { kind: 'record', adapter: 'pg', security: { audit: 'fail-closed' } },
        media: { kind: 'blob', security: { audit: 'fail-closed' } },
        audit: { kind: 'record', adapter: 'pg' },
      },
      security: {
        acl: { rules: [{ roles: ['user'], actions: ['read', 'write', 'delete', 'list'], keys: ['{tenant}/**'] }, { roles: ['auditor'], actions: ['list'], namespaces: ['audit'] }] },
        audit: { namespace: 'audit' },
      },
    },
    { adapters: [postgresRecords()], security: { redactionKey: 'integration-redaction-key-000001' } },
  );
});

afterAll(async () => {
  await storage?.close();
  await db?.drop();
});

async function auditRows(): Promise<AuditEvent[]> {
  const admin = adminClient(db.url, 1);
  try {
    const rows = await admin.unsafe<Array<{ value: AuditEvent }>>(`select value from "${db.schema}".records where namespace = 'audit' order by key`);
    return rows.map((r) => r.value);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

describe('durable audit sink on PostgreSQL', () => {
  it('stores every listed event in order, in the database itself', async () => {
    const alice = storage.as({ id: 'alice', tenant: 't1', roles: ['user'] });
    await alice.records('users').put('t1/a', { n: 1 });
    await expect(alice.records('users').get('t2/a', { correlationId: 'pg-1' })).rejects.toSatisfy((e: unknown) => isStorageError(e, 'ACCESS_DENIED'));
    await alice.records('users').delete('t1/a', { correlationId: 'pg-2' });
    await alice.blobs('media').put('t1/o', 'x');
    await alice.blobs('media').delete('t1/o', { correlationId: 'pg-3' });
    await storage.audit({ type: 'key.rotated', time: new Date().toISOString(), actor: undefined, action: 'rotate', resource: { kind: 'key', key: 'kek' }, outcome: 'succeeded', correlationId: 'pg-4' });
    await storage.audit({ type: 'subject.erased', time: new Date().toISOString(), actor: undefined, action: 'erase', resource: { kind: 'subject', key: 's' }, outcome: 'succeeded', correlationId: 'pg-5' });
    const rows = await auditRows();
    expect(rows.map((r) => [r.type, r.correlationId])).toEqual([
      ['acl.denied', 'pg-1'],
      ['record.deleted', 'pg-2'],
      ['object.deleted', 'pg-3'],
      ['key.rotated', 'pg-4'],
      ['subject.erased', 'pg-5'],
    ]);
    expect(rows[0]).toMatchObject({ action: 'read', outcome: 'denied', resource: { kind: 'record', namespace: 'users' } });
    expect(rows[0]!.actor).toMatch(/^\[principal:[0-9a-f]{16}\]$/);
    expect(JSON.stringify(rows)).not.toContain('alice');
    expect(JSON.stringify(rows)).not.toContain('t1/');
    const viaFacade = await storage.as({ id: 'aud', roles: ['auditor'] }).records<AuditEvent>('audit').list();
    expect(viaFacade.items.map((r) => r.value.correlationId)).toEqual(['pg-1', 'pg-2', 'pg-3', 'pg-4', 'pg-5']);
  });

  it('fail-closed: a process SIGKILLed right after delete() returned has its audit event stored', async () => {
    const correlationId = `sigkill-${String(Date.now())}`;
    const child = spawn(process.execPath, ['--conditions=@sanctum/source', '--import', 'tsx', fixture, db.url, db.schema, correlationId, 'fail-closed'], {
      cwd: packageDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    expect(signal, stderr).toBe('SIGKILL');
    const event = (await auditRows()).find((r) => r.correlationId === correlationId);
    expect(event).toMatchObject({ type: 'record.deleted', action: 'delete', outcome: 'succeeded', resource: { namespace: 'users' } });
  });
});
