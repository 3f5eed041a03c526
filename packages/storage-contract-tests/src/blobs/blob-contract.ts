import type { BlobCapabilities, BlobStore } from '@sanctum/storage-core/spi';
import type { SuiteOptions } from '../runner.js';
import { uniqueNamespace } from '../support/ids.js';
import { withStore } from '../support/lifecycle.js';
import { registerBasics } from './basics.js';
import { registerChecksum } from './checksum.js';
import { registerConditional } from './conditional.js';
import { registerListing } from './listing.js';
import { registerOptional } from './optional.js';

/**
 * Replaces the stored bytes of `physicalKey` with different bytes of the same length while keeping
 * its metadata (including the checksum), as silent corruption on disk would.
 */
export type CorruptBlob = (namespace: string, physicalKey: string, store: BlobStore) => Promise<void>;

/** Options of {@link blobStoreContract}. */
export interface BlobStoreContractOptions extends SuiteOptions<BlobStore> {
  /** What the adapter declares; tests of a feature run only when declared, else its absence is checked. */
  readonly capabilities: BlobCapabilities;
  /** Size of the streamed round-trip object. @default 5 MiB */
  readonly largeObjectBytes?: number;
  /** Objects in the pagination-under-concurrent-writes test. @default 60 */
  readonly listingSize?: number;
  /**
   * Corrupts a stored object for the checksum test. @default SPI `head`, then SPI `put` of the
   * inverted bytes with the original content type and metadata
   */
  readonly corrupt?: CorruptBlob;
  /**
   * The backend's ETags are content hashes (S3's MD5): rewriting identical bytes keeps the ETag.
   * The suite then checks exactly that instead of a fresh ETag per write. Either way an ETag must
   * change whenever the content changes. @default false
   */
  readonly etagsIdentifyContent?: boolean;
}

/** Options with every default filled; what the test groups read. */
export interface ResolvedBlobOptions {
  readonly capabilities: BlobCapabilities;
  readonly largeObjectBytes: number;
  readonly listingSize: number;
  readonly corrupt: CorruptBlob | undefined;
  readonly etagsIdentifyContent: boolean;
  /** The suite's `create`, for tests that hand the store to a facade client. */
  readonly create: () => BlobStore | Promise<BlobStore>;
  readonly namespacePrefix: string | undefined;
}

/** What each test group of the blob suite registers its tests with. */
export interface BlobSuite {
  readonly options: ResolvedBlobOptions;
  readonly describe: (name: string, body: () => void) => void;
  /** A test with a freshly created and opened store and a namespace of its own. */
  readonly it: (name: string, body: (store: BlobStore, namespace: string) => Promise<void>) => void;
  /** A test that manages the store's lifecycle itself (through a facade client). */
  readonly itRaw: (name: string, body: () => Promise<void>) => void;
}

/**
 * Registers the BlobStore contract: streamed round trips of multi-MiB bodies, head/delete,
 * metadata and trailing metadata, keyset listings (with common prefixes when declared) under
 * concurrent writes, ranges and conditional requests when declared (UNSUPPORTED when not), and
 * the facade's CHECKSUM_MISMATCH on a corrupted object stored by this adapter.
 */
export function blobStoreContract(options: BlobStoreContractOptions): void {
  const { runner } = options;
  const suite: BlobSuite = {
    options: {
      capabilities: options.capabilities,
      largeObjectBytes: options.largeObjectBytes ?? 5 * 1024 * 1024,
      listingSize: options.listingSize ?? 60,
      corrupt: options.corrupt,
      etagsIdentifyContent: options.etagsIdentifyContent ?? false,
      create: options.create,
      namespacePrefix: options.namespacePrefix,
    },
    describe: (name, body) => {
      runner.describe(name, body);
    },
    it: (name, body) => {
      runner.it(name, () => withStore(options.create, (store) => body(store, uniqueNamespace(options.namespacePrefix, 'blob'))));
    },
    itRaw: (name, body) => {
      runner.it(name, body);
    },
  };
  runner.describe(options.title ?? 'BlobStore contract', () => {
    registerBasics(suite);
    registerListing(suite);
    registerOptional(suite);
    registerConditional(suite);
    registerChecksum(suite);
  });
}
