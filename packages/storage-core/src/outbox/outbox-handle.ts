import { StorageError } from '../errors/index.js';
import type { LayerRuntime } from '../layers/layer.js';
import type { OutboxBatchOutcome, OutboxClaimRequest, OutboxRow, OutboxStats, OutboxStore, OutboxWatch, RecordStore } from '../spi/index.js';
import type { AdapterInstance } from '../client/adapter-registry.js';

/**
 * `client.outbox(adapter)`: the outbox of one record adapter instance. Relays use `relayBatch`;
 * `stats()` also sets `storage_outbox_pending` and `storage_outbox_lag_seconds`.
 */
export interface Outbox {
  /** The adapter instance's name in the config. */
  readonly adapter: string;
  relayBatch(request: OutboxClaimRequest, publish: (rows: readonly OutboxRow[]) => Promise<OutboxBatchOutcome>): Promise<number>;
  stats(): Promise<OutboxStats>;
  purgeSent(request: { readonly sentBefore: Date; readonly limit: number }): Promise<number>;
  /** Whether the adapter can wake relays on commit ({@link watch} then resolves with a running watch). */
  readonly canWatch: boolean;
  /** Calls `onCommit` after commits that wrote outbox rows; undefined when the adapter cannot. */
  watch(onCommit: () => void): Promise<OutboxWatch | undefined>;
}

/** The handle over an instance's raw store; opens the adapter on first use (as any operation does). */
export function createOutboxHandle(adapter: string, instance: AdapterInstance, runtime: LayerRuntime): Outbox {
  const raw = instance.lifecycle.store as RecordStore;
  if (raw.capabilities.outbox !== true || raw.outbox === undefined) {
    throw new StorageError('UNSUPPORTED', `record adapter "${raw.name}" of instance "${adapter}" has no outbox (capability "outbox")`, {
      operation: 'outbox',
      adapter: raw.name,
    });
  }
  const store: OutboxStore = raw.outbox;
  const labels = { adapter };
  const pending = runtime.metrics.outboxPending?.bind(labels);
  const lag = runtime.metrics.outboxLagSeconds?.bind(labels);
  const opened = async (): Promise<OutboxStore> => {
    await instance.lifecycle.open();
    return store;
  };
  return {
    adapter,
    async relayBatch(request, publish) {
      return (await opened()).relayBatch(request, publish);
    },
    async stats() {
      const stats = await (await opened()).stats();
      pending?.set(stats.pending);
      lag?.set(stats.oldestPendingAt === undefined ? 0 : Math.max(0, (runtime.now() - stats.oldestPendingAt.getTime()) / 1000));
      return stats;
    },
    async purgeSent(request) {
      return (await opened()).purgeSent(request);
    },
    canWatch: typeof store.watch === 'function',
    async watch(onCommit) {
      const ready = await opened();
      return ready.watch === undefined ? undefined : ready.watch(onCommit);
    },
  };
}
