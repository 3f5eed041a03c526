import type { RecordCapabilities, RecordStore } from '@sanctum/storage-core/spi';
import type { SuiteOptions } from '../runner.js';
import { uniqueNamespace } from '../support/ids.js';
import { withCleanup } from '../support/cleanup.js';
import { withStore } from '../support/lifecycle.js';
import { registerBadInput } from './bad-input.js';
import { registerBasics } from './basics.js';
import { registerBulk } from './bulk.js';
import { registerConcurrency } from './concurrency.js';
import { registerConditions } from './conditions.js';
import { registerListing } from './listing.js';
import { registerSplice } from './splice.js';
import { registerTransactions } from './transactions.js';
import { registerTtl } from './ttl.js';

/** Options of {@link recordStoreContract}. */
export interface RecordStoreContractOptions extends SuiteOptions<RecordStore> {
  /** What the adapter declares; tests of a feature run only when declared, else its absence is checked. */
  readonly capabilities: RecordCapabilities;
  /** Writers racing on one key in the concurrency tests. @default 32 */
  readonly concurrentWriters?: number;
  /** Rounds of the "exactly one conditional writer wins" race. @default 3 */
  readonly rounds?: number;
  /** Increments each writer makes in the lost-update (counter) test. @default 3 */
  readonly incrementsPerWriter?: number;
  /** Stable records in the pagination-under-concurrent-writes test. @default 120 */
  readonly listingSize?: number;
  /** TTL of the expiry tests. @default 150 */
  readonly ttlMs?: number;
  /** How long past its TTL an expired record may still be visible. @default 2_000 */
  readonly expiryGraceMs?: number;
  /** Tolerated clock difference between this process and the store when checking `expiresAt`. @default 1_000 */
  readonly clockSkewMs?: number;
}

/** Options with every default filled; what the test groups read. */
export interface ResolvedRecordOptions {
  readonly capabilities: RecordCapabilities;
  readonly concurrentWriters: number;
  readonly rounds: number;
  readonly incrementsPerWriter: number;
  readonly listingSize: number;
  readonly ttlMs: number;
  readonly expiryGraceMs: number;
  readonly clockSkewMs: number;
}

/** What each test group of the record suite registers its tests with. */
export interface RecordSuite {
  readonly options: ResolvedRecordOptions;
  readonly describe: (name: string, body: () => void) => void;
  /** A test with a freshly created and opened store and a namespace of its own. */
  readonly it: (name: string, body: (store: RecordStore, namespace: string) => Promise<void>) => void;
}

/**
 * Registers the RecordStore contract: CRUD, versions and ETags, conditional writes and their
 * failure modes, racing writers, keyset pagination under concurrent writes, and — gated on the
 * declared capabilities — TTL, bulk operations, transactions and splice (undeclared ones must be absent
 * or answer UNSUPPORTED).
 */
export function recordStoreContract(options: RecordStoreContractOptions): void {
  const { runner } = options;
  const suite: RecordSuite = {
    options: {
      capabilities: options.capabilities,
      concurrentWriters: options.concurrentWriters ?? 32,
      rounds: options.rounds ?? 3,
      incrementsPerWriter: options.incrementsPerWriter ?? 3,
      listingSize: options.listingSize ?? 120,
      ttlMs: options.ttlMs ?? 150,
      expiryGraceMs: options.expiryGraceMs ?? 2_000,
      clockSkewMs: options.clockSkewMs ?? 1_000,
    },
    describe: (name, body) => {
      runner.describe(name, body);
    },
    it: (name, body) => {
      runner.it(name, () =>
        withCleanup(options.cleanup, uniqueNamespace(options.namespacePrefix, 'rec'), (namespace) => withStore(options.create, (store) => body(store, namespace))),
      );
    },
  };
  runner.describe(options.title ?? 'RecordStore contract', () => {
    registerBasics(suite);
    registerConditions(suite);
    registerConcurrency(suite);
    registerListing(suite);
    registerTtl(suite);
    registerBulk(suite);
    registerTransactions(suite);
    registerSplice(suite);
    registerBadInput(suite);
  });
}
