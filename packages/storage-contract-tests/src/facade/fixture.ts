import { createStorageClient, type StorageClient } from '@sanctum/storage-core';
import { createMemoryBlobStore, createMemoryRecordStore, createMemoryStreamStore, type BlobStore, type CacheStore, type RecordStore, type StreamStore } from '@sanctum/storage-core/spi';
import { fixedFactory } from '../support/factories.js';
import { uniqueNamespace } from '../support/ids.js';
import type { FacadeGoldenSuiteOptions } from './facade-golden.js';

/** One test's client and the raw stores behind it. */
export interface GoldenFixture {
  readonly client: StorageClient;
  readonly records: RecordStore;
  readonly blobs: BlobStore;
  readonly streams: StreamStore;
  readonly cache: CacheStore;
  /** Namespaces of this test: a cached record namespace, a checksummed blob namespace, a stream. */
  readonly ns: { readonly records: string; readonly blobs: string; readonly streams: string };
}

/**
 * Builds a client over fresh stores (the given ones, else core's memory stores), runs `body`, and
 * closes the client, which closes every store it opened.
 */
export async function withGoldenClient(options: FacadeGoldenSuiteOptions, body: (fixture: GoldenFixture) => Promise<void>): Promise<void> {
  const records = await (options.records ?? (() => createMemoryRecordStore()))();
  const blobs = await (options.blobs ?? (() => createMemoryBlobStore()))();
  const streams = await (options.streams ?? (() => createMemoryStreamStore()))();
  const cache = await options.cache();
  const ns = {
    records: uniqueNamespace(options.namespacePrefix, 'grec'),
    blobs: uniqueNamespace(options.namespacePrefix, 'gblob'),
    streams: uniqueNamespace(options.namespacePrefix, 'gstr'),
  };
  const client = createStorageClient(
    {
      schemaVersion: 1,
      adapters: {
        records: { use: 'golden-records' },
        blobs: { use: 'golden-blobs' },
        streams: { use: 'golden-streams' },
      },
      caches: { hot: { use: 'golden-cache' } },
      namespaces: {
        [ns.records]: { kind: 'record', adapter: 'records', cache: 'hot', consistency: 'strong', stalenessBudgetMs: 0, cacheTtlMs: 60_000 },
        [ns.blobs]: { kind: 'blob', adapter: 'blobs', checksum: 'sha256' },
        [ns.streams]: { kind: 'stream', adapter: 'streams', maxDeliveries: 5, ackTimeoutMs: 30_000 },
      },
    },
    {
      adapters: [
        fixedFactory('record', 'golden-records', records),
        fixedFactory('blob', 'golden-blobs', blobs),
        fixedFactory('stream', 'golden-streams', streams),
        fixedFactory('cache', 'golden-cache', cache),
      ],
    },
  );
  try {
    await body({ client, records, blobs, streams, cache, ns });
  } finally {
    await client.close();
  }
}
