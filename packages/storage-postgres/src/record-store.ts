import type { HealthReport, Logger, Page, RecordCapabilities, RecordDeleteManyRequest, RecordDeleteRequest, RecordEntry, RecordGetManyRequest, RecordGetRequest, RecordListRequest, RecordOperations, RecordPutManyRequest, RecordPutRequest, RecordSpliceRequest, RecordStore, RecordWriteResult } from '@sanctum/storage-core/spi';
import { BulkOps } from './bulk.js';
import { createClient } from './connection.js';
import { ADAPTER, adapterError, toStorageError } from './errors.js';
import { poolExecutor, transactionExecutor, type Executor } from './executor.js';
import { Lanes } from './lanes.js';
import { assertMigrated, runMigrations } from './migrations/runner.js';
import { objectNames, type ObjectNames } from './names.js';
import type { ResolvedPostgresOptions } from './options.js';
import { RecordOps } from './record-ops.js';
import { PostgresOutbox, enqueueOn, outboxStatements, type OutboxStatements } from './outbox/outbox-store.js';
import { compileStatements, type Statements } from './sql/statements.js';

/** Options of {@link PostgresRecordStore.sweepExpired}. */
export interface SweepOptions {
  /** Rows deleted per statement; each batch is its own short transaction. @default 1000 */
  readonly batchSize?: number;
}

/** The PostgreSQL record store: the record SPI plus PostgreSQL-specific maintenance. */
export interface PostgresRecordStore extends RecordStore {
  /** Deletes expired rows (of every namespace) in batches; returns how many. Safe to run anywhere, anytime. */
  sweepExpired(options?: SweepOptions): Promise<number>;
}

const CAPABILITIES: RecordCapabilities = Object.freeze({ ttl: true, bulk: true, transactions: true, worm: true, outbox: true, splice: true });

export class PostgresRecords implements PostgresRecordStore {
  readonly kind = 'record' as const;
  readonly name = ADAPTER;
  readonly capabilities: RecordCapabilities = CAPABILITIES;
  readonly #options: ResolvedPostgresOptions;
  readonly #logger: Logger;
  readonly #names: ObjectNames;
  readonly #lanes: Lanes;
  readonly #sql: Statements;
  readonly #exec: Executor;
  readonly #ops: RecordOps;
  readonly #bulk: BulkOps;
  readonly #outboxSql: OutboxStatements;
  /** The relay side of the transactional outbox (ADR-022). */
  readonly outbox: PostgresOutbox;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: ResolvedPostgresOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    this.#names = objectNames(options.schema, options.table);
    // postgres.js connects lazily: creating the pool does no I/O.
    const connect = (): ReturnType<typeof createClient> => createClient(options, logger, 1);
    this.#lanes = new Lanes(Array.from({ length: options.poolSize }, connect), options.pipelineDepth, connect);
    this.#sql = compileStatements(this.#names);
    this.#exec = poolExecutor(this.#lanes);
    this.#ops = new RecordOps(this.#exec, this.#sql);
    this.#bulk = new BulkOps(this.#exec, this.#sql);
    this.#outboxSql = outboxStatements(this.#names);
    this.outbox = new PostgresOutbox(this.#lanes, this.#outboxSql, (hooks) => createClient(options, logger, 1, hooks));
  }

  async open(): Promise<void> {
    try {
      // Before any operation (core opens first), so the first connection is free for this.
      const client = this.#lanes.lanes[0]!.client;
      if (this.#options.migrate === 'on-start') {
        await runMigrations(client, this.#names, { logger: this.#logger });
      } else {
        await assertMigrated(client, this.#names);
      }
    } catch (error) {
      throw toStorageError(error, { operation: 'open' });
    }
    if (this.#options.sweepIntervalMs > 0) {
      this.#sweeper = setInterval(() => void this.#sweepInBackground(), this.#options.sweepIntervalMs);
      this.#sweeper.unref();
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    const timeout = this.#options.closeTimeoutMs / 1000;
    await Promise.all([...this.#lanes.lanes.map((lane) => lane.client.end({ timeout })), this.outbox.close(timeout)]);
  }

  async health(): Promise<HealthReport> {
    const started = performance.now();
    const pool = {
      poolSize: this.#options.poolSize,
      pipelineDepth: this.#options.pipelineDepth,
      inFlight: this.#lanes.active,
      waiting: this.#lanes.waiting,
      inTransactions: this.#lanes.exclusive,
      discardedConnections: this.#lanes.discarded,
      schema: this.#names.schema,
      table: this.#names.table,
    };
    try {
      const rows = await this.#exec.run(this.#sql.serverVersion, {}, { operation: 'health' });
      return { ok: true, latencyMs: performance.now() - started, details: { ...pool, serverVersion: rows[0]?.version } };
    } catch (error) {
      const mapped = toStorageError(error, { operation: 'health' });
      return { ok: false, latencyMs: performance.now() - started, details: { ...pool, code: mapped.code, reason: mapped.message } };
    }
  }

  get(request: RecordGetRequest): Promise<RecordEntry | undefined> {
    return this.#ops.get(request);
  }

  put(request: RecordPutRequest): Promise<RecordWriteResult> {
    return this.#ops.put(request);
  }

  delete(request: RecordDeleteRequest): Promise<boolean> {
    return this.#ops.delete(request);
  }

  list(request: RecordListRequest): Promise<Page<RecordEntry>> {
    return this.#ops.list(request);
  }

  /** Replaces the head of a base64 string value server-side: only the new bytes are sent (key rotation). */
  spliceValue(request: RecordSpliceRequest): Promise<RecordWriteResult> {
    return this.#ops.splice(request);
  }

  getMany(request: RecordGetManyRequest): Promise<Array<RecordEntry | undefined>> {
    return this.#bulk.getMany(request);
  }

  putMany(request: RecordPutManyRequest): Promise<RecordWriteResult[]> {
    return this.#bulk.putMany(request);
  }

  deleteMany(request: RecordDeleteManyRequest): Promise<number> {
    return this.#bulk.deleteMany(request);
  }

  /**
   * Runs `work` in one PostgreSQL transaction (`options.isolation`) on a connection of the pool
   * that nothing else uses until it ends (statements already in flight there finish first). Serialization failures and deadlocks
   * fail with CONSISTENCY (retryable): run the work again. The work's own errors pass through.
   */
  async transaction<T>(work: (tx: RecordOperations) => Promise<T>): Promise<T> {
    const context = { operation: 'records.transaction' };
    const lane = await this.#lanes.acquire(true);
    let open = true;
    let failure: { readonly error: unknown } | undefined;
    let result: { readonly value: T };
    try {
      result = await lane.client.begin(`isolation level ${this.#options.isolation}`, async (tx) => {
        const executor = transactionExecutor(tx, () => open);
        const records = new RecordOps(executor, this.#sql);
        const ops: RecordOperations = {
          get: (request) => records.get(request),
          put: (request) => records.put(request),
          delete: (request) => records.delete(request),
          list: (request) => records.list(request),
          enqueueOutbox: enqueueOn(executor, this.#outboxSql),
        };
        // Wrapped: postgres.js would treat a returned array as queries to await.
        const outcome = await work(ops).then(
          (value) => ({ value }),
          (error: unknown) => {
            open = false;
            failure = { error };
            throw error;
          },
        );
        open = false;
        return outcome;
      });
    } catch (error) {
      // The work's own error wins: whatever else failed after it, nothing was committed.
      if (failure !== undefined) throw failure.error;
      throw toStorageError(error, context);
    } finally {
      open = false;
      this.#lanes.release(lane, true);
    }
    return result.value;
  }

  async sweepExpired(options: SweepOptions = {}): Promise<number> {
    const limit = options.batchSize ?? 1000;
    if (!Number.isInteger(limit) || limit < 1) {
      throw adapterError('INVALID_ARGUMENT', 'batchSize must be a positive integer', { operation: 'records.sweepExpired' }, { field: 'batchSize' });
    }
    let total = 0;
    for (;;) {
      const rows = await this.#exec.run(this.#sql.sweep, { limit }, { operation: 'records.sweepExpired' });
      const deleted = rows.reduce((sum, row) => sum + row.deleted, 0);
      total += deleted;
      if (deleted < limit) return total;
    }
  }

  async #sweepInBackground(): Promise<void> {
    try {
      const deleted = await this.sweepExpired();
      if (deleted > 0) this.#logger.log({ event: 'postgres.sweep', level: 'debug', deleted, table: this.#names.table });
    } catch (error) {
      const mapped = toStorageError(error, { operation: 'records.sweepExpired' });
      this.#logger.log({ event: 'postgres.sweep.failed', level: 'warn', code: mapped.code, reason: mapped.message });
    }
  }
}
