import Sqlite, { type Database } from 'better-sqlite3';
import type {
  HealthReport,
  Page,
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
  RecordStore,
  RecordWriteResult,
} from './spi.js';
import { ADAPTER, mapError, sqliteError, throwIfAborted } from './errors.js';
import type { ResolvedSqliteRecordOptions } from './options.js';
import { RecordOps } from './record-ops.js';
import { createTableSql, prepare } from './statements.js';

/** A record store on SQLite, plus an adapter-specific way to remove a namespace's records. */
export interface SqliteRecordStore extends RecordStore {
  /**
   * Deletes every record of `namespace` and of the namespaces derived from it (`<namespace>-…`,
   * `<namespace>.…`); returns how many rows went. Not part of the SPI (see the guide's "Dropping a
   * namespace"); the contract suite's `cleanup` hook calls it.
   */
  dropNamespace(namespace: string): Promise<number>;
}

interface Connection {
  readonly db: Database;
  readonly ops: RecordOps;
}

const CAPABILITIES: RecordCapabilities = Object.freeze({ ttl: true, bulk: true, transactions: true });

/**
 * Two connections to one file: plain operations use the first; a transaction holds the second for
 * its whole (asynchronous) work, so its uncommitted writes stay invisible to plain reads (WAL
 * snapshots). SQLite has one writer at a time: plain writes wait while this store's transaction
 * runs, and transactions run one after another.
 */
class SqliteRecords implements SqliteRecordStore {
  readonly kind = 'record' as const;
  readonly name = ADAPTER;
  readonly capabilities = CAPABILITIES;
  readonly #options: ResolvedSqliteRecordOptions;
  #main: Connection | undefined;
  #txConnection: Connection | undefined;
  /** Settles when the running transaction (if any) has finished. */
  #transactionDone: Promise<void> | undefined;
  #transactionQueue: Promise<void> = Promise.resolve();

  constructor(options: ResolvedSqliteRecordOptions) {
    this.#options = options;
  }

  async open(): Promise<void> {
    try {
      this.#main = this.#connect();
      this.#txConnection = this.#connect();
    } catch (error) {
      this.#main?.db.close();
      this.#main = undefined;
      throw mapError(error, 'open');
    }
  }

  async close(): Promise<void> {
    await this.#transactionDone;
    this.#main?.db.close();
    this.#txConnection?.db.close();
    this.#main = undefined;
    this.#txConnection = undefined;
  }

  async health(): Promise<HealthReport> {
    const started = performance.now();
    try {
      this.#connection(this.#main, 'health').db.prepare('SELECT 1').get();
      return { ok: true, latencyMs: performance.now() - started };
    } catch (error) {
      return { ok: false, latencyMs: performance.now() - started, details: { reason: mapError(error, 'health').message } };
    }
  }

  get(request: RecordGetRequest): Promise<RecordEntry | undefined> {
    return this.#read('records.get', request, (ops) => ops.get(request));
  }

  list(request: RecordListRequest): Promise<Page<RecordEntry>> {
    return this.#read('records.list', request, (ops) => ops.list(request));
  }

  getMany(request: RecordGetManyRequest): Promise<Array<RecordEntry | undefined>> {
    return this.#read('records.getMany', request, (ops) => ops.getMany(request));
  }

  put(request: RecordPutRequest): Promise<RecordWriteResult> {
    return this.#write('records.put', request, (ops) => ops.put(request));
  }

  delete(request: RecordDeleteRequest): Promise<boolean> {
    return this.#write('records.delete', request, (ops) => ops.delete(request));
  }

  putMany(request: RecordPutManyRequest): Promise<RecordWriteResult[]> {
    // One IMMEDIATE transaction: a failed condition throws and rolls back every entry.
    return this.#write('records.putMany', request, (ops) => ops.putMany(request));
  }

  deleteMany(request: RecordDeleteManyRequest): Promise<number> {
    return this.#write('records.deleteMany', request, (ops) => ops.deleteMany(request));
  }

  dropNamespace(namespace: string): Promise<number> {
    return this.#write('records.dropNamespace', { namespace }, (ops) => ops.drop(namespace));
  }

  async transaction<T>(work: (tx: RecordOperations) => Promise<T>): Promise<T> {
    const previous = this.#transactionQueue;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    this.#transactionQueue = previous.then(() => done);
    await previous;
    this.#transactionDone = done;
    try {
      const { db, ops } = this.#connection(this.#txConnection, 'records.transaction');
      try {
        db.exec('BEGIN IMMEDIATE');
      } catch (error) {
        throw mapError(error, 'records.transaction');
      }
      let open = true;
      const run = <R>(operation: string, namespace: string, fn: () => R): Promise<R> => {
        if (!open) return Promise.reject(sqliteError('INVALID_ARGUMENT', 'this transaction has already ended; use the store', operation, namespace));
        try {
          return Promise.resolve(fn());
        } catch (error) {
          return Promise.reject(mapError(error, operation, namespace));
        }
      };
      const handle: RecordOperations = {
        get: (request) => run('records.get', request.namespace, () => ops.get(request)),
        put: (request) => run('records.put', request.namespace, () => ops.put(request)),
        delete: (request) => run('records.delete', request.namespace, () => ops.delete(request)),
        list: (request) => run('records.list', request.namespace, () => ops.list(request)),
      };
      try {
        const result = await work(handle);
        open = false;
        db.exec('COMMIT');
        return result;
      } catch (error) {
        open = false;
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.#transactionDone = undefined;
      finish();
    }
  }

  #connect(): Connection {
    const db = new Sqlite(this.#options.filename, { timeout: this.#options.busyTimeoutMs });
    try {
      db.pragma('journal_mode = WAL');
      db.exec(createTableSql(this.#options.table));
      return { db, ops: new RecordOps(prepare(db, this.#options.table), Date.now) };
    } catch (error) {
      db.close();
      throw error;
    }
  }

  #connection(connection: Connection | undefined, operation: string): Connection {
    if (connection === undefined) throw sqliteError('UNAVAILABLE', 'the store is not open; call open() first (core does this for you)', operation);
    return connection;
  }

  async #read<T>(operation: string, request: { namespace: string; signal?: AbortSignal }, fn: (ops: RecordOps) => T): Promise<T> {
    throwIfAborted(request.signal, operation, request.namespace);
    try {
      return fn(this.#connection(this.#main, operation).ops);
    } catch (error) {
      throw mapError(error, operation, request.namespace);
    }
  }

  async #write<T>(operation: string, request: { namespace: string; signal?: AbortSignal }, fn: (ops: RecordOps) => T): Promise<T> {
    throwIfAborted(request.signal, operation, request.namespace);
    while (this.#transactionDone !== undefined) await this.#transactionDone;
    throwIfAborted(request.signal, operation, request.namespace);
    try {
      const { db, ops } = this.#connection(this.#main, operation);
      return db.transaction(() => fn(ops)).immediate();
    } catch (error) {
      throw mapError(error, operation, request.namespace);
    }
  }
}

/** Creates an unopened SQLite record store from resolved options (core opens and closes it). */
export function createStore(options: ResolvedSqliteRecordOptions): SqliteRecordStore {
  return new SqliteRecords(options);
}
