import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isStorageError } from '../../../src/index.js';
import { validateBlobs } from '../../../src/layers/validate/blob-validate.js';
import { validateRecords } from '../../../src/layers/validate/record-validate.js';
import { validateStreams } from '../../../src/layers/validate/stream-validate.js';

// The validate layers refuse bad input before any I/O, name the operation and namespace in the
// error, hand the serialized value down, and bound blob sizes. Each is driven here with a store
// that records what reached it.
type Call = { op: string; request: Record<string, unknown> };

function recordingStore(calls: Call[]) {
  const handler = {
    get(_target: object, op: string) {
      if (op === 'name') return 'recording';
      return async (request: Record<string, unknown>) => {
        calls.push({ op, request });
        if (op === 'put' && request['body'] instanceof Readable) {
          // Drain the body like an adapter would, so a size limit can fail the upload.
          for await (const chunk of request['body'] as Readable) void chunk;
        }
        return op;
      };
    },
  };
  return new Proxy({}, handler) as never;
}

async function failure(work: () => unknown): Promise<{ code: string; message: string; operation: unknown; namespace: unknown; details: unknown }> {
  try {
    await work();
  } catch (error) {
    if (!isStorageError(error)) throw error;
    return { code: error.code, message: error.message, operation: error.operation, namespace: error.namespace, details: error.details };
  }
  throw new Error('expected a StorageError, but the call was accepted');
}

const layerCtx = (config: Record<string, unknown>) => ({ namespace: 'ns', config }) as never;

describe('record validate layer', () => {
  const setup = (config: Record<string, unknown> = {}) => {
    const calls: Call[] = [];
    const layer = validateRecords(recordingStore(calls), layerCtx({ maxKeyBytes: 8, maxValueBytes: 20, ...config })) as Record<string, (r: unknown) => unknown>;
    return { calls, layer };
  };

  it.each([
    ['get', { key: '' }, 'records.get'],
    ['put', { key: '', value: 1 }, 'records.put'],
    ['delete', { key: '' }, 'records.delete'],
    ['list', { prefix: 'a\u0000' }, 'records.list'],
    ['getMany', { keys: [''] }, 'records.getMany'],
    ['putMany', { entries: [{ key: '', value: 1 }] }, 'records.putMany'],
    ['deleteMany', { keys: [''] }, 'records.deleteMany'],
  ])('%s refuses before any I/O and names operation %s', async (op, request, operation) => {
    const { calls, layer } = setup();
    expect(await failure(() => layer[op]!({ namespace: 'ns', ...request }))).toMatchObject({ code: 'INVALID_ARGUMENT', operation, namespace: 'ns' });
    expect(calls).toEqual([]);
  });

  it('applies the namespace key and value limits', async () => {
    const { layer } = setup();
    expect((await failure(() => layer['get']!({ namespace: 'ns', key: 'k'.repeat(9) }))).message).toBe('key is 9 bytes; the limit for this namespace is 8 bytes (UTF-8)');
    expect(await failure(() => layer['put']!({ namespace: 'ns', key: 'k', value: 'x'.repeat(30) }))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await failure(() => layer['getMany']!({ namespace: 'ns', keys: ['k'.repeat(9)] }))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('hands valid requests down, with the value serialized by core (a caller-supplied text is replaced)', async () => {
    const { calls, layer } = setup();
    await layer['get']!({ namespace: 'ns', key: 'k' });
    await layer['put']!({ namespace: 'ns', key: 'k', value: { a: 1 }, serialized: 'FORGED' });
    await layer['delete']!({ namespace: 'ns', key: 'k' });
    await layer['list']!({ namespace: 'ns', prefix: 'p' });
    await layer['getMany']!({ namespace: 'ns', keys: ['a'] });
    await layer['putMany']!({ namespace: 'ns', entries: [{ key: 'a', value: [1] }, { key: 'b', value: 'x', serialized: 'FORGED' }] });
    await layer['deleteMany']!({ namespace: 'ns', keys: ['a'] });
    expect(calls.map((call) => call.op)).toEqual(['get', 'put', 'delete', 'list', 'getMany', 'putMany', 'deleteMany']);
    expect(calls[1]!.request).toMatchObject({ key: 'k', value: { a: 1 }, serialized: '{"a":1}' });
    expect((calls[5]!.request['entries'] as unknown[]).map((entry) => (entry as { serialized: string }).serialized)).toEqual(['[1]', '"x"']);
  });
});

describe('stream validate layer', () => {
  const setup = () => {
    const calls: Call[] = [];
    const layer = validateStreams(recordingStore(calls), layerCtx({ maxPayloadBytes: 4 })) as Record<string, (r: unknown) => unknown>;
    return { calls, layer };
  };

  it('publish: the namespace limit, and the namespace the request names', async () => {
    const { calls, layer } = setup();
    expect(await failure(() => layer['publish']!({ namespace: 'ns', messages: [{ payload: new Uint8Array(5) }] }))).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      operation: 'streams.publish',
      namespace: 'ns',
    });
    // A dead-letter stream of the namespace is published under its own name.
    expect(await failure(() => layer['publish']!({ namespace: 'ns.dlq', messages: [] }))).toMatchObject({ operation: 'streams.publish', namespace: 'ns.dlq' });
    expect(calls).toEqual([]);
    await layer['publish']!({ namespace: 'ns', messages: [{ payload: new Uint8Array(4) }] });
    expect(calls.map((call) => call.op)).toEqual(['publish']);
  });

  it('subscribe: refused before any I/O, under the namespace the request names', async () => {
    const { calls, layer } = setup();
    expect(await failure(() => layer['subscribe']!({ namespace: 'ns', group: '' }))).toMatchObject({ code: 'INVALID_ARGUMENT', operation: 'streams.subscribe', namespace: 'ns' });
    expect(calls).toEqual([]);
    await layer['subscribe']!({ namespace: 'ns', group: 'g', handler: async () => undefined, maxInFlight: 1, maxDeliveries: 1, ackTimeoutMs: 1 });
    expect(calls.map((call) => call.op)).toEqual(['subscribe']);
  });
});

describe('blob validate layer', () => {
  const setup = (config: Record<string, unknown> = {}) => {
    const calls: Call[] = [];
    const layer = validateBlobs(recordingStore(calls), layerCtx({ maxKeyBytes: 8, ...config })) as Record<string, (r: unknown) => unknown>;
    return { calls, layer };
  };
  const stream = (bytes: number, chunk = 10) => Readable.from(Array.from({ length: Math.ceil(bytes / chunk) }, (_, i) => Buffer.alloc(Math.min(chunk, bytes - i * chunk))));

  it.each([
    ['put', { key: '', body: new Uint8Array(1) }, 'blobs.put'],
    ['get', { key: '' }, 'blobs.get'],
    ['head', { key: '' }, 'blobs.head'],
    ['delete', { key: '' }, 'blobs.delete'],
    ['list', { prefix: 'a\u0000' }, 'blobs.list'],
    ['presign', { key: '', method: 'GET', expiresInSeconds: 1 }, 'blobs.presign'],
  ])('%s refuses before any I/O and names operation %s', async (op, request, operation) => {
    const { calls, layer } = setup();
    expect(await failure(() => layer[op]!({ namespace: 'ns', ...request }))).toMatchObject({ code: 'INVALID_ARGUMENT', operation, namespace: 'ns' });
    expect(calls).toEqual([]);
  });

  it('applies the namespace key limit to head too', async () => {
    const { layer } = setup();
    expect((await failure(() => layer['head']!({ namespace: 'ns', key: 'k'.repeat(9) }))).message).toBe('key is 9 bytes; the limit for this namespace is 8 bytes (UTF-8)');
  });

  it('refuses reserved user metadata at the facade', async () => {
    const { calls, layer } = setup();
    expect(await failure(() => layer['put']!({ namespace: 'ns', key: 'k', body: new Uint8Array(1), metadata: { 'sanctum-x': 'y' } }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { field: 'metadata.sanctum-x' },
    });
    expect(calls).toEqual([]);
  });

  it('passes valid requests down unchanged when no size bound is set', async () => {
    const { calls, layer } = setup();
    const body = new Uint8Array(1_000);
    await layer['put']!({ namespace: 'ns', key: 'k', body });
    await layer['get']!({ namespace: 'ns', key: 'k' });
    await layer['head']!({ namespace: 'ns', key: 'k' });
    await layer['delete']!({ namespace: 'ns', key: 'k' });
    await layer['list']!({ namespace: 'ns' });
    await layer['presign']!({ namespace: 'ns', key: 'k', method: 'GET', expiresInSeconds: 1 });
    expect(calls.map((call) => call.op)).toEqual(['put', 'get', 'head', 'delete', 'list', 'presign']);
    expect(calls[0]!.request['body']).toBe(body);
  });

  it('maxObjectBytes: a declared or buffered size over the bound is refused before any I/O, at the bound it passes', async () => {
    const { calls, layer } = setup({ maxObjectBytes: 100 });
    expect(await failure(() => layer['put']!({ namespace: 'ns', key: 'k', body: new Uint8Array(101) }))).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: 'object is 101+ bytes; this namespace accepts at most 100',
      operation: 'blobs.put',
      namespace: 'ns',
      details: { field: 'body', maxBytes: 100 },
    });
    expect((await failure(() => layer['put']!({ namespace: 'ns', key: 'k', body: stream(10), contentLength: 101 }))).message).toBe(
      'object is 101+ bytes; this namespace accepts at most 100',
    );
    expect(calls).toEqual([]);
    const exact = new Uint8Array(100);
    await layer['put']!({ namespace: 'ns', key: 'k', body: exact });
    expect(calls[0]!.request['body']).toBe(exact); // buffers pass as they are
  });

  it('maxObjectBytes: a stream is counted as it flows and fails once past the bound', async () => {
    const { layer } = setup({ maxObjectBytes: 100 });
    expect(await failure(() => layer['put']!({ namespace: 'ns', key: 'k', body: stream(105) }))).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: 'object is 105+ bytes; this namespace accepts at most 100',
      details: { field: 'body', maxBytes: 100 },
    });
    await expect(layer['put']!({ namespace: 'ns', key: 'k', body: stream(100) })).resolves.toBe('put');
  });

  it('maxObjectBytes: an error of the caller\'s stream fails the upload with that error', async () => {
    const { layer } = setup({ maxObjectBytes: 100 });
    const body = new Readable({ read() {} });
    const upload = layer['put']!({ namespace: 'ns', key: 'k', body });
    const broken = new Error('source broke');
    body.destroy(broken);
    await expect(upload).rejects.toBe(broken);
  });
});
