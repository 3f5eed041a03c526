import { Readable } from 'node:stream';
import { createMemoryBlobStore, decodeListingCursor, encodeListingCursor, validateBlobList, type BlobStore } from '@sanctum/storage-core/spi';
import { listEverything, quietly, utf16Page } from './shared.js';

/** A store that forwards every call to `inner` (the base of each broken store). */
export function delegate(inner: BlobStore): BlobStore {
  return {
    kind: 'blob',
    name: 'broken',
    capabilities: inner.capabilities,
    put: (request) => inner.put(request),
    get: (request) => inner.get(request),
    head: (request) => inner.head(request),
    delete: (request) => inner.delete(request),
    list: (request) => inner.list(request),
  };
}

/** Reads the body but never asks for the trailing metadata (so a streamed checksum is lost). */
export function dropsTrailingMetadata(): BlobStore {
  const inner = createMemoryBlobStore();
  return { ...delegate(inner), put: ({ trailingMetadata: _dropped, ...request }) => inner.put(request) };
}

/** Treats a range's end as exclusive: one byte short. */
export function exclusiveRangeEnd(): BlobStore {
  const inner = createMemoryBlobStore();
  return {
    ...delegate(inner),
    async get(request) {
      const object = await inner.get(request);
      if (object === undefined || request.range === undefined || object.range === undefined) return object;
      object.body.resume();
      const { range: _range, ...whole } = request;
      const full = await inner.get(whole);
      const chunks: Buffer[] = [];
      for await (const chunk of full!.body) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      const end = request.range.end ?? bytes.byteLength;
      return { ...object, body: Readable.from([bytes.subarray(request.range.start, end)], { objectMode: false }) };
    },
  };
}

/** Answers bad input with a made-up success instead of INVALID_ARGUMENT: the silent acceptance. */
export function swallowsInvalidInput(): BlobStore {
  const inner = createMemoryBlobStore();
  return {
    ...delegate(inner),
    put: (request) => quietly(() => inner.put(request), { version: 'v', etag: 'accepted', size: 0 }),
    get: (request) => quietly(() => inner.get(request), undefined),
    head: (request) => quietly(() => inner.head(request), undefined),
    delete: (request) => quietly(() => inner.delete(request), false),
    list: (request) => quietly(() => inner.list(request), { items: [], prefixes: [] }),
  };
}

/** Lists keys in UTF-16 unit order (JavaScript's `<`), which differs from code point order. */
export function utf16Order(): BlobStore {
  const inner = createMemoryBlobStore();
  return {
    ...delegate(inner),
    async list({ cursor, ...request }) {
      if (request.delimiter !== undefined) return inner.list({ ...request, ...(cursor === undefined ? {} : { cursor }) });
      const where = { operation: 'blobs.list', namespace: request.namespace };
      const { prefix, limit } = validateBlobList(request, where);
      const listing = { namespace: request.namespace, prefix };
      const all = await listEverything((next) => inner.list({ ...request, limit: 1000, ...(next === undefined ? {} : { cursor: next }) }));
      const page = utf16Page(all, cursor === undefined ? undefined : decodeListingCursor(cursor, listing, where), limit);
      return page.last === undefined ? { items: page.items, prefixes: [] } : { items: page.items, prefixes: [], cursor: encodeListingCursor(listing, page.last) };
    },
  };
}
