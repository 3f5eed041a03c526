import type { RecordOperations, RecordStore } from '../spi/index.js';
import { plainStore, type TransactionScope } from '../layers/layer.js';

/** Builds the layered operations of `namespace` over one transaction's raw operations. */
export type TransactionStackOf = (namespace: string, base: RecordStore, scope: TransactionScope) => RecordOperations;

/** The raw operations of one transaction, shaped as a store so layers can wrap them. */
function transactionBase(adapter: RecordStore, tx: RecordOperations): RecordStore {
  return {
    kind: 'record',
    name: adapter.name,
    capabilities: adapter.capabilities,
    get: (request) => tx.get(request),
    put: (request) => tx.put(request),
    delete: (request) => tx.delete(request),
    list: (request) => tx.list(request),
  };
}

/**
 * `adapter` with its `transaction` replaced by one whose operations go through the layers of the
 * namespace each request names (validation, observation, cache bookkeeping, …), built once per
 * namespace per transaction. Effects the layers defer with `afterCommit` run after the adapter's
 * transaction resolved; a failure among them is thrown after all of them ran.
 */
export function withLayeredTransactions(store: RecordStore, stackOf: TransactionStackOf): RecordStore {
  const adapter = plainStore(store);
  if (adapter.transaction === undefined) return adapter;
  const run = adapter.transaction.bind(adapter);
  return {
    ...adapter,
    async transaction<T>(work: (tx: RecordOperations) => Promise<T>): Promise<T> {
      let effects: Array<() => Promise<void> | void> = [];
      const result = await run((raw) => {
        // An adapter may run `work` again after a serialization failure: start each attempt afresh.
        effects = [];
        const scope: TransactionScope = { afterCommit: (effect) => void effects.push(effect) };
        const base = transactionBase(adapter, raw);
        const stacks = new Map<string, RecordOperations>();
        const stack = (namespace: string): RecordOperations => {
          let ops = stacks.get(namespace);
          if (ops === undefined) stacks.set(namespace, (ops = stackOf(namespace, base, scope)));
          return ops;
        };
        return work({
          get: (request) => stack(request.namespace).get(request),
          put: (request) => stack(request.namespace).put(request),
          delete: (request) => stack(request.namespace).delete(request),
          list: (request) => stack(request.namespace).list(request),
          // Outbox rows are written as given: the facade (outbox/transaction-topic.ts) checked them.
          ...(raw.enqueueOutbox === undefined ? {} : { enqueueOutbox: raw.enqueueOutbox.bind(raw) }),
        });
      });
      const settled = await Promise.allSettled(effects.map(async (effect) => effect()));
      const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      return result;
    },
  };
}
