import { randomBytes } from 'node:crypto';
import {
  decodeListingCursor,
  encodeListingCursor,
  validateRecordDelete,
  validateRecordGet,
  validateRecordKeys,
  validateRecordList,
  validateRecordPut,
  validateRecordPutMany,
  type JsonValue,
  type Page,
  type RecordDeleteManyRequest,
  type RecordDeleteRequest,
  type RecordEntry,
  type RecordGetManyRequest,
  type RecordGetRequest,
  type RecordListRequest,
  type RecordPutManyRequest,
  type RecordPutRequest,
  type RecordWriteResult,
  type WriteConditions,
} from './spi.js';
import { ADAPTER, sqliteError } from './errors.js';
import type { Row, Statements } from './statements.js';

function toEntry(row: Row): RecordEntry {
  const entry = { key: row.key, value: JSON.parse(row.value) as JsonValue, version: row.version, etag: row.etag };
  return row.expires_at === null ? entry : { ...entry, expiresAt: row.expires_at };
}

const where = (operation: string, namespace: string) => ({ operation, namespace, adapter: ADAPTER });

/** One write after its input was checked: the JSON text is core's serialization of the value. */
interface CheckedPut extends WriteConditions {
  readonly namespace: string;
  readonly key: string;
  readonly json: string;
  readonly ttlMs?: number | undefined;
}

/**
 * The record operations on one connection. Input goes through core's validation functions (the same
 * rules, codes and messages as every other adapter). Each operation is synchronous from its check to
 * its write, and the store runs every write inside an IMMEDIATE transaction (or the caller's
 * transaction), so a condition and the write it guards are one atomic step.
 */
export class RecordOps {
  readonly #sql: Statements;
  readonly #now: () => number;

  constructor(statements: Statements, now: () => number) {
    this.#sql = statements;
    this.#now = now;
  }

  get(request: RecordGetRequest): RecordEntry | undefined {
    validateRecordGet(request, where('records.get', request.namespace));
    const row = this.#sql.get.get(request.namespace, request.key, this.#now());
    return row === undefined ? undefined : toEntry(row);
  }

  getMany(request: RecordGetManyRequest): Array<RecordEntry | undefined> {
    validateRecordKeys(request.keys, where('records.getMany', request.namespace));
    const now = this.#now();
    return request.keys.map((key) => {
      const row = this.#sql.get.get(request.namespace, key, now);
      return row === undefined ? undefined : toEntry(row);
    });
  }

  put(request: RecordPutRequest): RecordWriteResult {
    const json = validateRecordPut(request, where('records.put', request.namespace));
    return this.#write({ ...request, json }, 'records.put');
  }

  /** All entries are checked before the first write; the caller's transaction makes them all-or-nothing. */
  putMany(request: RecordPutManyRequest): RecordWriteResult[] {
    const texts = validateRecordPutMany(request, where('records.putMany', request.namespace));
    return request.entries.map((entry, i) => this.#write({ ...entry, namespace: request.namespace, json: texts[i]! }, 'records.putMany'));
  }

  delete(request: RecordDeleteRequest): boolean {
    validateRecordDelete(request, where('records.delete', request.namespace));
    return this.#remove(request.namespace, request.key, request.ifMatch, 'records.delete');
  }

  deleteMany(request: RecordDeleteManyRequest): number {
    validateRecordKeys(request.keys, where('records.deleteMany', request.namespace));
    return request.keys.reduce((count, key) => count + (this.#remove(request.namespace, key, undefined, 'records.deleteMany') ? 1 : 0), 0);
  }

  list(request: RecordListRequest): Page<RecordEntry> {
    const { namespace } = request;
    const at = where('records.list', namespace);
    const { prefix, limit } = validateRecordList(request, at);
    const listing = { namespace, prefix };
    const after = request.cursor === undefined ? null : decodeListingCursor(request.cursor, listing, at);
    // One row more than the page tells whether another page follows.
    const rows = this.#sql.list.all({ namespace, prefix, after, now: this.#now(), limit: limit + 1 });
    const items = rows.slice(0, limit).map(toEntry);
    const last = items.at(-1);
    return rows.length > limit && last !== undefined ? { items, cursor: encodeListingCursor(listing, last.key) } : { items };
  }

  /** Removes the namespace and the ones derived from it; returns the number of rows removed. */
  drop(namespace: string): number {
    return this.#sql.dropNamespace.run({ namespace }).changes;
  }

  #write(put: CheckedPut, operation: string): RecordWriteResult {
    const { namespace, key } = put;
    const current = this.#sql.get.get(namespace, key, this.#now());
    if (put.ifNoneMatch === '*' && current !== undefined) {
      throw sqliteError('ALREADY_EXISTS', `key already exists (ifNoneMatch: '*'); read it, or write with ifMatch`, operation, namespace);
    }
    if (put.ifMatch !== undefined && current?.etag !== put.ifMatch) {
      throw sqliteError('PRECONDITION_FAILED', 'ifMatch does not match the current ETag; read the record again', operation, namespace);
    }
    // An expired row counts as absent: the version starts again at 1, as after a delete.
    const version = (current?.version ?? 0) + 1;
    const etag = randomBytes(16).toString('base64url');
    const expiresAt = put.ttlMs === undefined ? null : this.#now() + put.ttlMs;
    this.#sql.upsert.run(namespace, key, put.json, version, etag, expiresAt);
    return { version, etag };
  }

  #remove(namespace: string, key: string, ifMatch: string | undefined, operation: string): boolean {
    const current = this.#sql.get.get(namespace, key, this.#now());
    if (ifMatch !== undefined && current?.etag !== ifMatch) {
      throw sqliteError('PRECONDITION_FAILED', 'ifMatch does not match the current ETag; read the record again', operation, namespace);
    }
    // Removes an expired leftover too, but reports only a live record as deleted.
    this.#sql.remove.run(namespace, key);
    return current !== undefined;
  }
}
