import type { StreamCapabilities, StreamStore } from '@sanctum/storage-core/spi';
import type { SuiteOptions } from '../runner.js';
import { uniqueNamespace } from '../support/ids.js';
import { withStore } from '../support/lifecycle.js';
import { registerAcknowledgement } from './acknowledgement.js';
import { registerConsumers } from './consumers.js';
import { registerDelivery } from './delivery.js';
import { StreamHarness } from './harness.js';
import { registerPositions } from './positions.js';

/** Options of {@link streamStoreContract}. */
export interface StreamStoreContractOptions extends SuiteOptions<StreamStore> {
  /** What the adapter declares; replay tests run only when declared, else subscribe must answer UNSUPPORTED. */
  readonly capabilities: StreamCapabilities;
  /** Longest wait for a delivery the contract promises. @default 5_000 */
  readonly timeoutMs?: number;
  /** How long to watch for deliveries that must not happen. @default 150 */
  readonly settleMs?: number;
  /** `ackTimeoutMs` of the redelivery-after-timeout test (the other tests use 30 s). @default 300 */
  readonly ackTimeoutMs?: number;
  /** `close({ timeoutMs })` used when a test stops a consumer with handlers still running. @default 100 */
  readonly closeTimeoutMs?: number;
  /** Gap around the timestamp of the `fromTime` test, for coarse backend clocks. @default 50 */
  readonly timeGapMs?: number;
  /** Tolerated clock difference between this process and the backend for `publishedAt`. @default 2_000 */
  readonly clockSkewMs?: number;
  /**
   * Whether two consumers of one group must both receive work within one test (false for backends
   * whose assignment may give everything to one consumer, e.g. a single-partition topic). @default true
   */
  readonly expectWorkSharing?: boolean;
}

/** Options with every default filled; what the test groups read. */
export interface ResolvedStreamOptions {
  readonly capabilities: StreamCapabilities;
  readonly timeoutMs: number;
  readonly settleMs: number;
  readonly ackTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly timeGapMs: number;
  readonly clockSkewMs: number;
  readonly expectWorkSharing: boolean;
}

/** What each test group of the stream suite registers its tests with. */
export interface StreamSuite {
  readonly options: ResolvedStreamOptions;
  readonly describe: (name: string, body: () => void) => void;
  /** A test with a fresh store, a namespace of its own and a harness that cleans up after it. */
  readonly it: (name: string, body: (t: StreamHarness) => Promise<void>) => void;
}

/**
 * Registers the StreamStore contract: publish/subscribe, ordering, acks, redelivery after a throw
 * or an ack timeout, dead-lettering after `maxDeliveries`, durable group cursors across consumer
 * restarts, the `maxInFlight` bound, work sharing within a group, and start positions (replay by
 * id or time only when declared; UNSUPPORTED when not).
 */
export function streamStoreContract(options: StreamStoreContractOptions): void {
  const { runner } = options;
  const resolved: ResolvedStreamOptions = {
    capabilities: options.capabilities,
    timeoutMs: options.timeoutMs ?? 5_000,
    settleMs: options.settleMs ?? 150,
    ackTimeoutMs: options.ackTimeoutMs ?? 300,
    closeTimeoutMs: options.closeTimeoutMs ?? 100,
    timeGapMs: options.timeGapMs ?? 50,
    clockSkewMs: options.clockSkewMs ?? 2_000,
    expectWorkSharing: options.expectWorkSharing ?? true,
  };
  const suite: StreamSuite = {
    options: resolved,
    describe: (name, body) => {
      runner.describe(name, body);
    },
    it: (name, body) => {
      runner.it(name, () =>
        withStore(options.create, async (store) => {
          const harness = new StreamHarness(store, uniqueNamespace(options.namespacePrefix, 'str'), resolved);
          try {
            await body(harness);
          } finally {
            await harness.teardown();
          }
        }),
      );
    },
  };
  runner.describe(options.title ?? 'StreamStore contract', () => {
    registerDelivery(suite);
    registerAcknowledgement(suite);
    registerConsumers(suite);
    registerPositions(suite);
  });
}
