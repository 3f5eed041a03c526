import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CHECKSUM_METADATA_KEY, createStorageClient, isStorageError } from '../../src/index.js';
import { createMemoryBlobStore } from '../../src/spi/index.js';
import { factoryOf } from '../support/map-cache.js';

function setup(checksum: 'sha256' | 'none' = 'sha256', extra: Record<string, unknown> = {}) {
  const store = createMemoryBlobStore();
  const client = createStorageClient(
    { schemaVersion: 1, adapters: { mem: { use: 'under-test' } }, namespaces: { media: { kind: 'blob', adapter: 'mem', checksum, ...extra } } },
    { adapters: [factoryOf(store)] },
  );
  return { store, media: client.blobs('media') };
}

function chunks(total: number, chunk = 64 * 1024): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return this.push(null);
      const size = Math.min(chunk, total - sent);
      this.push(Buffer.alloc(size, sent % 251));
      sent += size;
    },
  });
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('blob integrity', () => {
  it('stores the SHA-256 of a streamed body and verifies a full read', async () => {
    const { media } = setup();
    const result = await media.put('big.bin', chunks(3 * 1024 * 1024), { contentType: 'application/octet-stream' });
    expect(result.size).toBe(3 * 1024 * 1024);
    const bytes = await media.getBytes('big.bin');
    const head = await media.head('big.bin');
    expect(head.metadata[CHECKSUM_METADATA_KEY]).toBe(sha(bytes));
    expect(head.contentType).toBe('application/octet-stream');
  });

  it('stores the SHA-256 of a buffer or string body', async () => {
    const { media } = setup();
    await media.put('a.txt', 'hello');
    expect((await media.head('a.txt')).metadata[CHECKSUM_METADATA_KEY]).toBe(sha(Buffer.from('hello')));
    expect((await media.getBytes('a.txt')).toString()).toBe('hello');
  });

  it('hands the adapter the digest of a buffer body as trailing metadata too, like a streamed one', async () => {
    const inner = createMemoryBlobStore();
    const seen: (string | undefined)[] = [];
    const store: typeof inner = Object.assign(Object.create(inner) as typeof inner, {
      async put(request: Parameters<typeof inner.put>[0]) {
        const written = await inner.put(request);
        seen.push(request.trailingMetadata?.()[CHECKSUM_METADATA_KEY]);
        return written;
      },
    });
    const client = createStorageClient(
      { schemaVersion: 1, adapters: { mem: { use: 'under-test' } }, namespaces: { media: { kind: 'blob', adapter: 'mem', checksum: 'sha256' } } },
      { adapters: [factoryOf(store)] },
    );
    await client.blobs('media').put('a.bin', Buffer.from('buffered'));
    await client.blobs('media').put('b.bin', chunks(1000));
    expect(seen).toEqual([sha(Buffer.from('buffered')), sha(Buffer.alloc(1000, 0))]);
  });

  it('fails a full read of a corrupted object with CHECKSUM_MISMATCH', async () => {
    const { media, store } = setup();
    await media.put('doc', 'original content');
    const meta = (await store.head({ namespace: 'media', key: 'doc' }))!;
    await store.put({ namespace: 'media', key: 'doc', body: Buffer.from('tampered content'), metadata: meta.metadata });
    const error = await media.getBytes('doc').catch((e: unknown) => e);
    expect(isStorageError(error, 'CHECKSUM_MISMATCH')).toBe(true);
    expect((error as { details: Record<string, string> }).details['expected']).toBe(sha(Buffer.from('original content')));
  });

  it('passes range reads through unverified', async () => {
    const { media, store } = setup();
    await media.put('doc', '0123456789');
    const meta = (await store.head({ namespace: 'media', key: 'doc' }))!;
    await store.put({ namespace: 'media', key: 'doc', body: Buffer.from('abcdefghij'), metadata: meta.metadata });
    const part = await media.getBytes('doc', { range: { start: 2, end: 4 } });
    expect(part.toString()).toBe('cde');
  });

  it('leaves objects without a stored checksum readable', async () => {
    const { media, store } = setup();
    await store.put({ namespace: 'media', key: 'legacy', body: Buffer.from('old') });
    expect((await media.getBytes('legacy')).toString()).toBe('old');
  });

  it('skips hashing when the namespace says checksum: none', async () => {
    const { media } = setup('none');
    await media.put('a', chunks(1000));
    expect((await media.head('a')).metadata[CHECKSUM_METADATA_KEY]).toBeUndefined();
  });

  it('propagates an error of the caller’s body stream and stores nothing', async () => {
    const { media } = setup();
    const failing = new Readable({
      read() {
        this.destroy(new Error('upstream broke'));
      },
    });
    await expect(media.put('broken', failing)).rejects.toThrow();
    expect(await media.exists('broken')).toBe(false);
  });

  it('bounds object size when maxObjectBytes is set, for streams and buffers', async () => {
    const { media } = setup('sha256', { maxObjectBytes: 1000 });
    const streamed = await media.put('s', chunks(5000, 100)).catch((e: unknown) => e);
    expect(isStorageError(streamed, 'PAYLOAD_TOO_LARGE')).toBe(true);
    expect(await media.exists('s')).toBe(false);
    const buffered = await media.put('b', Buffer.alloc(2000)).catch((e: unknown) => e);
    expect(isStorageError(buffered, 'PAYLOAD_TOO_LARGE')).toBe(true);
    const declared = await media.put('d', chunks(10), { contentLength: 5000 }).catch((e: unknown) => e);
    expect(isStorageError(declared, 'PAYLOAD_TOO_LARGE')).toBe(true);
    await media.put('ok', chunks(1000, 100));
    expect((await media.head('ok')).size).toBe(1000);
    await media.put('okbuf', Buffer.alloc(10));
  });
});

describe('blob facade', () => {
  it('NOT_FOUND on get/head of a missing key; exists and delete answer plainly', async () => {
    const { media } = setup();
    expect(isStorageError(await media.get('nope').catch((e: unknown) => e), 'NOT_FOUND')).toBe(true);
    expect(isStorageError(await media.head('nope').catch((e: unknown) => e), 'NOT_FOUND')).toBe(true);
    expect(await media.exists('nope')).toBe(false);
    expect(await media.delete('nope')).toBe(false);
    await media.put('yes', 'x');
    expect(await media.delete('yes')).toBe(true);
  });

  it('lists with prefix and delimiter', async () => {
    const { media } = setup();
    for (const key of ['a/1', 'a/2', 'a/b/3', 'c']) await media.put(key, key);
    const page = await media.list({ prefix: 'a/', delimiter: '/' });
    expect(page.items.map((m) => m.key)).toEqual(['a/1', 'a/2']);
    expect(page.prefixes).toEqual(['a/b/']);
  });

  it('presign answers UNSUPPORTED when the adapter cannot, or validates bounds when it can', async () => {
    const { media, store } = setup();
    if (store.presign === undefined) {
      const error = await media.presign('k', { method: 'GET', expiresInSeconds: 60 }).catch((e: unknown) => e);
      expect(isStorageError(error, 'UNSUPPORTED')).toBe(true);
    } else {
      const error = await media.presign('k', { method: 'GET', expiresInSeconds: 0 }).catch((e: unknown) => e);
      expect(isStorageError(error, 'INVALID_ARGUMENT')).toBe(true);
    }
  });
});
