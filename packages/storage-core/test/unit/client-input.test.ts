import { describe, expect, it } from 'vitest';
import { StorageError, createStorageClient, isStorageError } from '../../src/index.js';
import { createMemoryRecordStore, memoryRecords } from '../../src/spi/index.js';

const config = {
  schemaVersion: 1,
  namespaces: { users: { kind: 'record', maxKeyBytes: 16 }, media: { kind: 'blob' }, events: { kind: 'stream' } },
} as const;

async function codeOf(work: () => unknown): Promise<{ code: string; message: string; details?: unknown }> {
  try {
    await work();
  } catch (error) {
    if (!isStorageError(error)) throw error;
    return { code: error.code, message: error.message, details: error.details };
  }
  throw new Error('expected a StorageError');
}

describe('bad input gets a StorageError with a code', () => {
  const client = createStorageClient(config);
  const users = client.records('users');

  it.each([
    ['empty key', '', 'must not be empty'],
    ['oversized key', 'x'.repeat(17), '17 bytes; the limit for this namespace is 16'],
    ['multi-byte oversized key', 'é'.repeat(9), '18 bytes'],
    ['".." segment', 'a/../b', '".." path segment'],
    ['leading ".."', '../etc', '".." path segment'],
    ['bare ".."', '..', '".." path segment'],
    ['backslash ".."', 'a\\..', '".." path segment'],
    ['NUL', 'a\u0000b', 'control character'],
    ['newline', 'a\nb', 'control character'],
    ['DEL', 'a\u007f', 'control character'],
  ])('%s → INVALID_ARGUMENT', async (_name, key, message) => {
    for (const op of [() => users.get(key), () => users.put(key, 1), () => users.delete(key)]) {
      const error = await codeOf(op);
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain(message);
      expect(error.details).toEqual({ field: 'key' });
    }
  });

  it('accepts keys with dots that are not a ".." segment', async () => {
    await users.put('a..b', 1);
    await users.put('v1.2/x', 2);
    expect((await users.get('a..b')).value).toBe(1);
  });

  it('rejects a non-string key', async () => {
    expect((await codeOf(() => users.get(42 as unknown as string))).message).toContain('must be a string, got number');
    expect((await codeOf(() => users.get(null as unknown as string))).message).toContain('got null');
  });

  it('rejects values that are not JSON and values too large', async () => {
    expect((await codeOf(() => users.put('k', undefined as never))).code).toBe('INVALID_ARGUMENT');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect((await codeOf(() => users.put('k', cyclic as never))).message).toContain('not JSON-serializable');
    const big = createStorageClient({ schemaVersion: 1, namespaces: { s: { kind: 'record', maxValueBytes: 10 } } }).records('s');
    const tooBig = await codeOf(() => big.put('k', 'x'.repeat(20)));
    expect(tooBig.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('rejects bad conditions and limits', async () => {
    expect((await codeOf(() => users.put('k', 1, { ifMatch: 'a', ifNoneMatch: '*' }))).message).toContain('cannot be combined');
    expect((await codeOf(() => users.put('k', 1, { ifNoneMatch: 'x' as '*' }))).message).toContain("only accepts '*'");
    expect((await codeOf(() => users.put('k', 1, { ifMatch: '' }))).message).toContain('non-empty ETag');
    expect((await codeOf(() => users.put('k', 1, { ttlMs: -1 }))).message).toContain('ttlMs');
    expect((await codeOf(() => users.list({ limit: 0 }))).message).toContain('limit must be an integer from 1 to 1000');
    expect((await codeOf(() => users.list({ limit: 1.5 }))).code).toBe('INVALID_ARGUMENT');
    expect((await codeOf(() => users.list({ prefix: 'a\u0000' }))).code).toBe('INVALID_ARGUMENT');
  });

  it('unknown namespace names the configured ones', async () => {
    const error = await codeOf(() => client.records('nope'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('unknown record namespace "nope" (configured: users)');
    expect((await codeOf(() => client.streams('nope'))).message).toContain('(configured: events)');
  });

  it('wrong kind of namespace says which accessor to use', async () => {
    expect((await codeOf(() => client.blobs('users'))).message).toBe(
      'namespace "users" is a record namespace; use client.records("users") instead of client.blobs()',
    );
    expect((await codeOf(() => client.records('media'))).message).toContain('use client.blobs("media")');
    expect((await codeOf(() => client.records('events'))).message).toContain('use client.streams("events")');
  });

  it('does not treat inherited object properties as namespaces', async () => {
    expect((await codeOf(() => client.records('constructor'))).message).toContain('unknown record namespace');
  });

  it('blob input: metadata, ranges and presign bounds', async () => {
    const media = client.blobs('media');
    expect((await codeOf(() => media.put('a', 'x', { metadata: { 'Bad Key': 'v' } }))).code).toBe('INVALID_ARGUMENT');
    expect((await codeOf(() => media.put('a', 'x', { metadata: { 'sanctum-sha256': 'v' } }))).message).toContain('reserved');
    expect((await codeOf(() => media.put('a', 'x', { metadata: { ok: 'line\nbreak' } }))).code).toBe('INVALID_ARGUMENT');
    expect((await codeOf(() => media.get('a', { range: { start: -1 } }))).message).toContain('range');
    expect((await codeOf(() => media.get('a', { range: { start: 5, end: 2 } }))).code).toBe('INVALID_ARGUMENT');
    expect((await codeOf(() => media.head('../x'))).code).toBe('INVALID_ARGUMENT');
    expect((await codeOf(() => media.list({ limit: 5000 }))).code).toBe('INVALID_ARGUMENT');
  });

  it('stream input: group names, empty batches, payload size', async () => {
    const events = client.streams('events');
    expect((await codeOf(() => events.subscribe('bad group', async () => {})))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await codeOf(() => events.subscribe('g', async () => {}, { maxInFlight: 0 })))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await codeOf(() => events.publishBatch([])))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    const small = createStorageClient({ schemaVersion: 1, namespaces: { e: { kind: 'stream', maxPayloadBytes: 8 } } }).streams('e');
    expect((await codeOf(() => small.publish('x'.repeat(20))))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect((await codeOf(() => events.publish(1, { key: 'a\u0000' })))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('client configuration and lifecycle', () => {
  it('reports an unknown adapter and bad adapter options with their config paths, all at once', async () => {
    const error = await codeOf(() =>
      createStorageClient(
        {
          schemaVersion: 1,
          adapters: { pg: { use: 'postgres' }, mem: { use: 'memory', options: { nonsense: true } } },
          caches: { hot: { use: 'memory' } },
          namespaces: { a: { kind: 'record', adapter: 'pg' }, b: { kind: 'record', adapter: 'mem', cache: 'hot' } },
        },
        { adapters: [memoryRecords()] },
      ),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('adapters.pg.use: no record adapter named "postgres" was given in runtime.adapters (available for record: memory)');
    expect(error.message).toContain('caches.hot.use: no cache adapter named "memory"');
    expect(error.message).toContain('available for cache: none');
  });

  it('reports an asynchronous options schema and a factory that throws, with their paths', async () => {
    const base = { kind: 'record' as const, create: () => createMemoryRecordStore() };
    const error = await codeOf(() =>
      createStorageClient(
        {
          schemaVersion: 1,
          adapters: { slow: { use: 'async-schema' }, bad: { use: 'throws' } },
          namespaces: { a: { kind: 'record', adapter: 'slow' }, b: { kind: 'record', adapter: 'bad' } },
        },
        {
          adapters: [
            { ...base, name: 'async-schema', optionsSchema: { '~standard': { version: 1, vendor: 't', validate: async (value: unknown) => ({ value }) } } },
            {
              ...base,
              name: 'throws',
              optionsSchema: { '~standard': { version: 1, vendor: 't', validate: (value: unknown) => ({ value }) } },
              create: () => {
                throw new Error('missing credentials');
              },
            },
          ],
        },
      ),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('adapters.slow.options: adapter "async-schema" has an asynchronous options schema');
    expect(error.message).toContain('adapters.bad: adapter "throws" could not be created: missing credentials');
  });

  it('rejects an invalid config before anything else', async () => {
    expect((await codeOf(() => createStorageClient({ schemaVersion: 3, namespaces: {} }))).message).toContain('unsupported schemaVersion 3');
  });

  it('reports health per adapter instance and fails every call after close', async () => {
    const client = createStorageClient(config);
    const users = client.records('users');
    await users.put('k', 1);
    const health = await client.health();
    expect(health.ok).toBe(true);
    expect(Object.keys(health.adapters).sort()).toEqual(['blob:memory', 'record:memory', 'stream:memory']);
    await client.close();
    await client.close();
    const afterClose = await codeOf(() => users.get('k'));
    expect(afterClose.code).toBe('UNAVAILABLE');
    expect(afterClose.message).toContain('closed');
    expect((await codeOf(() => client.records('users'))).code).toBe('UNAVAILABLE');
    const healthAfter = await client.health();
    expect(healthAfter.ok).toBe(false);
  });

  it('is a StorageError instance, not only branded', async () => {
    try {
      await createStorageClient(config).records('users').get('missing');
    } catch (error) {
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe('NOT_FOUND');
      expect((error as StorageError).namespace).toBe('users');
      expect((error as StorageError).operation).toBe('records.get');
    }
  });
});
