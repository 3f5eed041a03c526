import { Readable } from 'node:stream';
import { createMemoryBlobStore, type BlobStore } from '@sanctum/storage-core/spi';

function delegate(inner: BlobStore): BlobStore {
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
