import type { JsonValue, Page, RecordDeleteRequest, RecordEntry, RecordGetRequest, RecordListRequest, RecordOperations, RecordPutRequest, RecordWriteResult } from '@sanctum/storage-core/spi';
import { decodeCursor, encodeCursor, prefixUpperBound } from './cursor.js';
import { adapterError, type ErrorContext } from './errors.js';
import type { Executor } from './executor.js';
import type { RecordRow, Statements, WriteRow } from './sql/statements.js';
import { assertKey, assertPrefix, conditionOf, pageLimit, preconditionFailed, serialize, ttlOf } from './validate.js';

/** The public view of a row; `expiresAt` only when the record expires. */
export function toEntry(row: RecordRow): RecordEntry {
  const entry = { key: row.key, value: row.value as JsonValue, version: row.version, etag: row.etag };
  return row.expires_ms === null ? entry : { ...entry, expiresAt: row.expires_ms };
}

/**
 * get / put / delete / list as single statements. Every conditional write is one atomic
 * statement (a conditional UPDATE, or an INSERT … ON CONFLICT … WHERE); none reads first.
 */
export class RecordOps implements RecordOperations {
  readonly #exec: Executor;
  readonly #sql: Statements;

  constructor(executor: Executor, statements: Statements) {
    this.#exec = executor;
    this.#sql = statements;
  }

  async get(request: RecordGetRequest): Promise<RecordEntry | undefined> {
    const { namespace, key } = request;
    const context: ErrorContext = { operation: 'records.get', namespace };
    assertKey(key, context);
    const rows = await this.#exec.run(this.#sql.get, { namespace, key }, context, request.signal);
    const row = rows[0];
    return row === undefined ? undefined : toEntry(row);
  }

  async put(request: RecordPutRequest): Promise<RecordWriteResult> {
    const { namespace, key } = request;
    const context: ErrorContext = { operation: 'records.put', namespace };
    assertKey(key, context);
    const condition = conditionOf(request, context);
    const value = serialize(request.value, context);
    const ttl = ttlOf(request.ttlMs, context);
    let rows: WriteRow[];
    if (condition === 'match') {
      rows = await this.#exec.run(this.#sql.putMatch, { namespace, key, value, ttl, ifMatch: request.ifMatch! }, context, request.signal);
      if (rows.length === 0) throw preconditionFailed(context);
    } else if (condition === 'create') {
      rows = await this.#exec.run(this.#sql.putCreate, { namespace, key, value, ttl }, context, request.signal);
      if (rows.length === 0) throw adapterError('ALREADY_EXISTS', 'the key already exists', context);
    } else {
      rows = await this.#exec.run(this.#sql.put, { namespace, key, value, ttl }, context, request.signal);
    }
    const row = rows[0]!;
    return { version: row.version, etag: row.etag };
  }

  async delete(request: RecordDeleteRequest): Promise<boolean> {
    const { namespace, key, ifMatch } = request;
    const context: ErrorContext = { operation: 'records.delete', namespace };
    assertKey(key, context);
    if (ifMatch === undefined) {
      const rows = await this.#exec.run(this.#sql.delete, { namespace, key }, context, request.signal);
      // An expired row is removed too, but it was already gone for callers.
      return rows[0]?.live === true;
    }
    conditionOf({ ifMatch }, context);
    const rows = await this.#exec.run(this.#sql.deleteMatch, { namespace, key, ifMatch }, context, request.signal);
    if (rows.length === 0) throw preconditionFailed(context);
    return true;
  }

  async list(request: RecordListRequest): Promise<Page<RecordEntry>> {
    const { namespace } = request;
    const context: ErrorContext = { operation: 'records.list', namespace };
    const prefix = assertPrefix(request.prefix, context);
    const limit = pageLimit(request.limit, context);
    const after = request.cursor === undefined ? '' : decodeCursor(request.cursor, context);
    const upper = prefixUpperBound(prefix);
    const base = { namespace, prefix, after, limit: limit + 1 };
    const rows =
      upper === undefined
        ? await this.#exec.run(this.#sql.list, base, context, request.signal)
        : await this.#exec.run(this.#sql.listBounded, { ...base, upper }, context, request.signal);
    const more = rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(toEntry);
    return more ? { items, cursor: encodeCursor(items.at(-1)!.key) } : { items };
  }
}
