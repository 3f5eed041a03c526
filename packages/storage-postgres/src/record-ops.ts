import type { JsonValue, Page, RecordWriteResult } from '@sanctum/storage-core';
import type { RecordDeleteRequest, RecordEntry, RecordGetRequest, RecordListRequest, RecordOperations, RecordPutRequest, RecordSpliceRequest } from '@sanctum/storage-core/spi';
import { validateRecordDelete, validateRecordGet, validateRecordList, validateRecordPut, validateRecordSplice } from '@sanctum/storage-core/spi';
import { decodeCursor, encodeCursor, prefixUpperBound } from './cursor.js';
import { adapterError, type ErrorContext } from './errors.js';
import type { Executor } from './executor.js';
import type { RecordRow, Statements, WriteRow } from './sql/statements.js';
import { conditionOf, preconditionFailed, whereOf } from './validate.js';

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
    validateRecordGet(request, whereOf(context));
    const rows = await this.#exec.run(this.#sql.get, { namespace, key }, context, request.signal);
    const row = rows[0];
    return row === undefined ? undefined : toEntry(row);
  }

  async put(request: RecordPutRequest): Promise<RecordWriteResult> {
    const { namespace, key } = request;
    const context: ErrorContext = { operation: 'records.put', namespace };
    // Core's rules; the JSON text is the one core's validate layer made (serialized once) when present.
    const value = validateRecordPut(request, whereOf(context));
    const condition = conditionOf(request, context);
    const ttl = request.ttlMs ?? null;
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

  /** spliceValue as one statement: only `insert` is sent (as base64); the server decodes, splices and encodes. */
  async splice(request: RecordSpliceRequest): Promise<RecordWriteResult> {
    const { namespace, key, ifMatch, prefix, deleteCount } = request;
    const context: ErrorContext = { operation: 'records.spliceValue', namespace };
    validateRecordSplice(request, whereOf(context));
    conditionOf({ ifMatch }, context);
    const insert = Buffer.from(request.insert.buffer, request.insert.byteOffset, request.insert.byteLength).toString('base64');
    const rows = await this.#exec.run(this.#sql.splice, { namespace, key, ifMatch, prefix, deleteCount, insert }, context, request.signal);
    const row = rows[0];
    if (row === undefined) throw preconditionFailed(context);
    if (row.version === null || row.etag === null) {
      throw adapterError('INVALID_ARGUMENT', 'the value is not a string of prefix + base64 holding at least deleteCount bytes', context, { field: 'value' });
    }
    return { version: row.version, etag: row.etag };
  }

  async delete(request: RecordDeleteRequest): Promise<boolean> {
    const { namespace, key, ifMatch } = request;
    const context: ErrorContext = { operation: 'records.delete', namespace };
    validateRecordDelete(request, whereOf(context));
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
    const where = whereOf(context);
    const { prefix, limit } = validateRecordList(request, where);
    const listing = { namespace, prefix };
    const after = request.cursor === undefined ? '' : decodeCursor(request.cursor, listing, where);
    const upper = prefixUpperBound(prefix);
    const base = { namespace, prefix, after, limit: limit + 1 };
    const rows =
      upper === undefined
        ? await this.#exec.run(this.#sql.list, base, context, request.signal)
        : await this.#exec.run(this.#sql.listBounded, { ...base, upper }, context, request.signal);
    const more = rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(toEntry);
    return more ? { items, cursor: encodeCursor(listing, items.at(-1)!.key) } : { items };
  }
}
