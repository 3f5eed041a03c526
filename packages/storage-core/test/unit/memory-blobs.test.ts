import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/index.js';
import { createMemoryBlobStore, memoryBlobs } from '../../src/spi/index.js';

const ns = 'media';

async function readAll(body: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

describe('memory blob store', () => {
  it('is created by its factory; the schema validates maxObjectBytes', async () => {
    const factory = memoryBlobs();
    expect(factory).toMatchObject({ kind: 'blob', name: 'memory' });
    expect((await factory.optionsSchema['~standard'].validate({ maxObjectBytes: 0 })).issues).toBeDefined();
    expect((await factory.optionsSchema['~standard'].validate({ capabilities: { presign: true } })).issues).toBeDefined();
    const valid = await factory.optionsSchema['~standard'].validate({ maxObjectBytes: 10 });
    if (valid.issues) throw new Error('expected valid options');
    const store = factory.create(valid.value, {} as never);
    expect(store.capabilities.presign).toBe(false);
    expect(store.presign).toBeUndefined();
    await expect(store.put({ namespace: ns, key: 'k', body: new Uint8Array(11) })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('stops reading an oversized stream as soon as it crosses maxObjectBytes, and stores nothing', async () => {
    const store = createMemoryBlobStore({ maxObjectBytes: 100 });
    let pulled = 0;
    const body = new Readable({
      read() {
        pulled += 1;
        this.push(Buffer.alloc(60));
      },
    });
    await expect(store.put({ namespace: ns, key: 'k', body })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', adapter: 'memory' });
    expect(body.destroyed).toBe(true);
    expect(pulled).toBeLessThan(5);
    expect(await store.head({ namespace: ns, key: 'k' })).toBeUndefined();
  });

  it('checks contentLength against the body and maps body errors', async () => {
    const store = createMemoryBlobStore();
    await expect(store.put({ namespace: ns, key: 'k', body: new Uint8Array(3), contentLength: 4 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const failing = new Readable({
      read() {
        this.destroy(new Error('socket hang up'));
      },
    });
    const error = await store.put({ namespace: ns, key: 'k', body: failing }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((error as StorageError).cause).toBeInstanceOf(Error);
    const ownError = new StorageError('CHECKSUM_MISMATCH', 'from a layer');
    const layered = new Readable({
      read() {
        this.destroy(ownError);
      },
    });
    await expect(store.put({ namespace: ns, key: 'k', body: layered })).rejects.toBe(ownError);
  });

  it('accepts string chunks and serves bodies as byte streams in chunks', async () => {
    const store = createMemoryBlobStore();
    await store.put({ namespace: ns, key: 'text', body: Readable.from(['hé', 'llo']) });
    const object = await store.get({ namespace: ns, key: 'text' });
    expect(object!.body.readableObjectMode).toBe(false);
    expect((await readAll(object!.body)).toString('utf8')).toBe('héllo');
    await store.put({ namespace: ns, key: 'big', body: new Uint8Array(200 * 1024) });
    let chunks = 0;
    for await (const _chunk of (await store.get({ namespace: ns, key: 'big' }))!.body) chunks += 1;
    expect(chunks).toBeGreaterThan(1);
  });

  it('refuses malformed ranges and ranges of empty objects', async () => {
    const store = createMemoryBlobStore();
    await store.put({ namespace: ns, key: 'k', body: new Uint8Array(10) });
    await store.put({ namespace: ns, key: 'empty', body: new Uint8Array(0) });
    for (const range of [{ start: -1 }, { start: 1.5 }, { start: 5, end: 4 }, { start: 0, end: 2.5 }]) {
      await expect(store.get({ namespace: ns, key: 'k', range })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    await expect(store.get({ namespace: ns, key: 'empty', range: { start: 0 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('lower-cases metadata, stores trailing entries over given ones and hands out copies', async () => {
    const store = createMemoryBlobStore({ now: () => 42_000 });
    await store.put({ namespace: ns, key: 'k', body: new Uint8Array(1), metadata: { A: '1', b: '2' }, trailingMetadata: () => ({ B: 'late' }) });
    const head = await store.head({ namespace: ns, key: 'k' });
    expect(head?.metadata).toEqual({ a: '1', b: 'late' });
    expect(head?.lastModified.getTime()).toBe(42_000);
    (head!.metadata as Record<string, string>)['a'] = 'changed';
    head!.lastModified.setTime(0);
    const again = await store.head({ namespace: ns, key: 'k' });
    expect(again?.metadata['a']).toBe('1');
    expect(again?.lastModified.getTime()).toBe(42_000);
  });

  it('checks a conditional put again after reading the body, so a racing write wins cleanly', async () => {
    const store = createMemoryBlobStore();
    const first = await store.put({ namespace: ns, key: 'k', body: new Uint8Array([1]) });
    const slow = new Readable({ read() {} });
    const push = (chunk: Buffer | null) => void slow.push(chunk);
    const conditional = store.put({ namespace: ns, key: 'k', body: slow, ifMatch: first.etag });
    await store.put({ namespace: ns, key: 'k', body: new Uint8Array([2]) });
    push(Buffer.from([3]));
    push(null);
    await expect(conditional).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect(await readAll((await store.get({ namespace: ns, key: 'k' }))!.body)).toEqual(Buffer.from([2]));
  });

  it('refuses cursors of other listings and an empty delimiter', async () => {
    const store = createMemoryBlobStore();
    await store.put({ namespace: ns, key: 'a', body: new Uint8Array(1) });
    const recordCursor = Buffer.from('r\u0000a').toString('base64url');
    await expect(store.list({ namespace: ns, cursor: recordCursor })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.list({ namespace: ns, delimiter: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
