import type { BlobStore, CacheStore, RecordStore, StreamStore } from '@sanctum/storage-core/spi';
import type { TestRunner } from '../runner.js';
import { registerAcceptance } from './acceptance.js';
import { withGoldenClient, type GoldenFixture } from './fixture.js';
import { registerSeeds } from './seeds.js';

/** Options of {@link facadeGoldenSuite}. */
export interface FacadeGoldenSuiteOptions {
  readonly runner: TestRunner;
  /** The cache under the record namespace; the suite also writes poisoned entries into it directly. */
  readonly cache: () => CacheStore | Promise<CacheStore>;
  /** @default core's in-memory record store */
  readonly records?: () => RecordStore | Promise<RecordStore>;
  /** @default core's in-memory blob store */
  readonly blobs?: () => BlobStore | Promise<BlobStore>;
  /** @default core's in-memory stream store */
  readonly streams?: () => StreamStore | Promise<StreamStore>;
  /** @default `Facade golden suite` */
  readonly title?: string;
  /** @default `contract` */
  readonly namespacePrefix?: string;
  /** Longest wait for a stream delivery. @default 5_000 */
  readonly timeoutMs?: number;
  /** How long to watch for deliveries that must not happen. @default 150 */
  readonly settleMs?: number;
  /** Allowance on top of the 100 ms read-your-writes deadline for one strong read. @default 100 */
  readonly strongReadSlackMs?: number;
}

/** What the golden test groups register with. */
export interface GoldenSuite {
  readonly options: FacadeGoldenSuiteOptions;
  readonly describe: (name: string, body: () => void) => void;
  readonly it: (name: string, body: (fixture: GoldenFixture) => Promise<void>) => void;
}

/**
 * Registers the facade's golden suite over the given stores: the four ADR-001 acceptance tests
 * (read-your-writes, eventual reads never throw CONSISTENCY, delete then strong read, poisoned
 * cache healed by `bypassCache`) and the seed tests (blob strong read, stale ETag, duplicate stream
 * delivery through `idempotentHandler`, cache bypass).
 */
export function facadeGoldenSuite(options: FacadeGoldenSuiteOptions): void {
  const { runner } = options;
  const suite: GoldenSuite = {
    options,
    describe: (name, body) => {
      runner.describe(name, body);
    },
    it: (name, body) => {
      runner.it(name, () => withGoldenClient(options, body));
    },
  };
  runner.describe(options.title ?? 'Facade golden suite', () => {
    registerAcceptance(suite);
    registerSeeds(suite);
  });
}
