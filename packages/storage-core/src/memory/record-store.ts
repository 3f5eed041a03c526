import type { Page } from '../types/index.js';
import type {
  AdapterFactory,
  RecordCapabilities,
  RecordDeleteManyRequest,
  RecordDeleteRequest,
  RecordEntry,
  RecordGetManyRequest,
  RecordGetRequest,
  RecordListRequest,
  RecordOperations,
  RecordPutManyRequest,
  RecordPutRequest,
  RecordSpliceRequest,
  RecordStore,
  RecordWriteResult,
} from '../spi/index.js';
import { MEMORY_ADAPTER, memoryError, throwIfAborted, memoryWhere } from './errors.js';
import { validateRecordKeys, validateRecordPutMany } from '../validation/index.js';
import { Mutex } from './mutex.js';
import { memoryRecordOptionsSchema, type MemoryRecordStoreOptions } from './options.js';
import { RecordOps, type RecordContext } from './record-ops.js';
import { OverlayState, RecordState } from './record-table.js';
import { transactionOperations } from './record-transaction.js';

export type { MemoryRecordStoreOptions } from './options.js';

class MemoryRecordStore implements RecordStore {
  readonly kind = 'record' as const;
  readonly name = MEMORY_ADAPTER;
  readonly capabilities: RecordCapabilities;
  readonly #state = new RecordState();
  readonly #context: RecordContext;
  readonly #committed: RecordOps;
  // Transactions run one at a time; plain writes wait while one runs, so a transaction is serializable.
  readonly #transactions = new Mutex();

  constructor(options: MemoryRecordStoreOptions) {
    const declared = options.capabilities ?? {};
    this.capabilities = Object.freeze({
      ttl: declared.ttl ?? true,
      bulk: declared.bulk ?? true,
      transactions: declared.transactions ?? true,
      splice: declared.splice ?? true,
    });
    this.#context = { now: options.now ?? Date.now, capabilities: this.capabilities };
    this.#committed = new RecordOps(this.#state, this.#context);
  }

  async get(request: RecordGetRequest): Promise<RecordEntry | undefined> {
    return this.#committed.get(request);
  }

  async put(request: RecordPutRequest): Promise<RecordWriteResult> {
    await this.#noTransactionRunning();
    return this.#committed.put(request);
  }

  async spliceValue(request: RecordSpliceRequest): Promise<RecordWriteResult> {
    this.#require('splice', 'records.spliceValue', request.namespace);
    await this.#noTransactionRunning();
    return this.#committed.splice(request);
  }

  async delete(request: RecordDeleteRequest): Promise<boolean> {
    await this.#noTransactionRunning();
    return this.#committed.delete(request);
  }

  async list(request: RecordListRequest): Promise<Page<RecordEntry>> {
    return this.#committed.list(request);
  }

  async getMany(request: RecordGetManyRequest): Promise<Array<RecordEntry | undefined>> {
    this.#require('bulk', 'records.getMany', request.namespace);
    validateRecordKeys(request.keys, memoryWhere('records.getMany', request.namespace));
    return request.keys.map((key) => this.#committed.get({ ...request, key }));
  }

  async putMany(request: RecordPutManyRequest): Promise<RecordWriteResult[]> {
    this.#require('bulk', 'records.putMany', request.namespace);
    throwIfAborted(request.signal, 'records.putMany', request.namespace);
    const texts = validateRecordPutMany(request, memoryWhere('records.putMany', request.namespace));
    await this.#noTransactionRunning();
    // All or nothing: apply every entry to private copies and swap them in only if all succeeded.
    const overlay = new OverlayState(this.#state);
    const ops = new RecordOps(overlay, this.#context);
    const results = request.entries.map((entry, i) => ops.put({ ...entry, namespace: request.namespace, serialized: texts[i]! }));
    overlay.commit();
    return results;
  }

  async deleteMany(request: RecordDeleteManyRequest): Promise<number> {
    this.#require('bulk', 'records.deleteMany', request.namespace);
    validateRecordKeys(request.keys, memoryWhere('records.deleteMany', request.namespace));
    await this.#noTransactionRunning();
    let deleted = 0;
    for (const key of request.keys) {
      if (this.#committed.delete({ namespace: request.namespace, key })) deleted += 1;
    }
    return deleted;
  }

  async transaction<T>(work: (tx: RecordOperations) => Promise<T>): Promise<T> {
    this.#require('transactions', 'records.transaction', undefined);
    return this.#transactions.runExclusive(async () => {
      const overlay = new OverlayState(this.#state);
      const { operations, finish } = transactionOperations(new RecordOps(overlay, this.#context));
      try {
        const result = await work(operations);
        overlay.commit();
        return result;
      } finally {
        finish();
      }
    });
  }

  async #noTransactionRunning(): Promise<void> {
    while (this.#transactions.locked) await this.#transactions.whenUnlocked();
  }

  #require(capability: keyof RecordCapabilities, operation: string, namespace: string | undefined): void {
    if (!this.capabilities[capability]) {
      throw memoryError('UNSUPPORTED', `this store was created without the ${capability} capability`, operation, namespace);
    }
  }
}

/**
 * Creates an in-memory record store: the reference semantics of the record SPI. Values are kept
 * serialized, versions start at 1 and restart after a delete, ETags are random per write, listings
 * are keyset-paginated, TTLs expire lazily, bulk writes are all-or-nothing, `spliceValue` rewrites a
 * base64 string value's head in place, and transactions are
 * serializable (one at a time; other writes wait). Inside `transaction(work)`, use the `tx` handle:
 * a plain write on the store itself would wait for the transaction that is waiting for it.
 */
export function createMemoryRecordStore(options: MemoryRecordStoreOptions = {}): RecordStore {
  return new MemoryRecordStore(options);
}

/** Factory for `use: 'memory'` record adapters. */
export function memoryRecords(): AdapterFactory<RecordStore, MemoryRecordStoreOptions> {
  return {
    kind: 'record',
    name: MEMORY_ADAPTER,
    optionsSchema: memoryRecordOptionsSchema,
    create: (options) => createMemoryRecordStore(options),
  };
}
