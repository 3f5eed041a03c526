import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StorageError, createJsonLinesAuditSink, createStorageClient, isStorageError, type AuditEvent, type LogEvent } from '../../src/index.js';
import { createRedactor } from '../../src/security/redaction.js';
import { aclBlobs, aclRecords, aclStreams } from '../../src/layers/acl/acl-layers.js';
import { createMemoryBlobStore, createMemoryRecordStore, createMemoryStreamStore } from '../../src/spi/index.js';

const event: AuditEvent = { type: 'acl.denied', time: '2026-12-01T00:00:00.000Z', actor: '[principal:00]', action: 'read', resource: { kind: 'record', namespace: 'n' }, outcome: 'denied' };

describe('security parts', () => {
  it('the JSON-lines sink writes one line per event to a stream, resolving once written', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const sink = createJsonLinesAuditSink(out);
    await sink.write(event);
    await sink.write({ ...event, type: 'record.deleted' });
    expect(chunks.join('').trim().split('\n').map((l) => (JSON.parse(l) as AuditEvent).type)).toEqual(['acl.denied', 'record.deleted']);
    out.destroy();
    await expect(sink.write(event)).rejects.toThrow();
  });

  it('refuses a short redaction key and an audit namespace that is not a record namespace', () => {
    const bad = (f: () => unknown, field: string) => {
      try {
        f();
        expect.unreachable();
      } catch (error) {
        expect(isStorageError(error, 'CONFIG_INVALID')).toBe(true);
        expect((error as StorageError).details).toMatchObject({ field });
      }
    };
    bad(() => createStorageClient({ schemaVersion: 1, namespaces: {} }, { security: { redactionKey: 'short' } }), 'runtime.security.redactionKey');
    bad(() => createStorageClient({ schemaVersion: 1, namespaces: { a: { kind: 'blob' } }, security: { audit: { namespace: 'a' } } }), 'security.audit.namespace');
    bad(() => createStorageClient({ schemaVersion: 1, namespaces: {}, security: { audit: { namespace: 'missing' } } }), 'security.audit.namespace');
    expect(() => createStorageClient({ schemaVersion: 1, namespaces: {}, security: { redaction: { patterns: ['('] } } })).toThrow(/not a valid regular expression/);
  });

  it('the redactor hashes consistently, scrubs details and secrets, and passes everything when off', () => {
    const on = createRedactor({ enabled: true, key: 'x'.repeat(32), secrets: ['pw-123456'], patterns: ['\\d{3}-\\d{2}-\\d{4}'], fields: ['a.b', 'n'] });
    expect(on.hash('key', 'k1')).toBe(on.hash('key', 'k1'));
    expect(on.hash('key', 'k1')).not.toBe(createRedactor({ enabled: true, key: 'y'.repeat(32) }).hash('key', 'k1'));
    const scrubbed = on.scrubError(new StorageError('INTERNAL', 'tenant-one failed pw-123456', { details: { text: 'tenant-one 111-22-3333', n: 1 }, cause: new Error('raw') }), [['tenant', 'tenant-one']]) as StorageError;
    expect(scrubbed.message).toBe(`${on.hash('tenant', 'tenant-one')} failed [secret]`);
    expect(scrubbed.details).toEqual({ text: `${on.hash('tenant', 'tenant-one')} ${on.hash('value', '111-22-3333')}`, n: 1 });
    expect(scrubbed.cause).toBeUndefined();
    expect(on.fieldValues({ a: { b: 'deep-value' }, n: 12345 })).toEqual([['value', 'deep-value'], ['value', '12345']]);
    expect((on.scrubError('plain string tenant-one', [['tenant', 'tenant-one']]) as Error).message).toBe(`plain string ${on.hash('tenant', 'tenant-one')}`);
    const off = createRedactor({ enabled: false });
    expect(off.hash('key', 'k1')).toBe('k1');
    const original = new Error('x');
    expect(off.scrubError(original)).toBe(original);
  });

  it('logAllowed logs allowed decisions at debug with hashed identifiers', async () => {
    const logs: LogEvent[] = [];
    const storage = createStorageClient(
      { schemaVersion: 1, namespaces: { n: { kind: 'record' } }, security: { acl: { logAllowed: true, rules: [{ roles: ['*'], actions: ['*'] }] } } },
      { logger: { log: (e) => void logs.push(e) } },
    );
    await storage.as({ id: 'someone' }).records('n').put('secret-key', 1, { correlationId: 'c1' });
    expect(logs).toEqual([expect.objectContaining({ event: 'acl.decision', level: 'debug', decision: 'allow', correlationId: 'c1', action: 'write' })]);
    expect(JSON.stringify(logs)).not.toMatch(/someone|secret-key/);
    await storage.close();
  });

  it('without any security configuration the acl layer leaves itself out of every chain (zero cost)', () => {
    const ctx = { runtime: {}, config: { security: { acl: 'enforce' } } } as never;
    expect(aclRecords(createMemoryRecordStore(), ctx)).toBeUndefined();
    expect(aclBlobs(createMemoryBlobStore(), ctx)).toBeUndefined();
    expect(aclStreams(createMemoryStreamStore(), ctx)).toBeUndefined();
  });
});
