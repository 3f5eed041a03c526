import { randomBytes } from 'node:crypto';
import type {
  JsonValue,
  Page,
  RecordDeleteRequest,
  RecordEntry,
  RecordGetRequest,
  RecordListRequest,
  RecordPutRequest,
  RecordWriteResult,
} from '@sanctum/storage-core';
import { decodeCursor, encodeCursor } from './cursor.js';
import { sqliteError } from './errors.js';
import type { Row, Statements } from './statements.js';

/** Largest page a listing returns; bigger limits are clamped (the SPI's rule). */
const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

function toEntry(row: Row): RecordEntry {
  const entry = { key: row.key, value: JSON.parse(row.value) as JsonValue, version: row.version, etag: row.etag };
  return row.expires_at === null ? entry : { ...entry, expiresAt: row.expires_at };
}

function assertKey(key: unknown, operation: string, namespace: string): void {
  if (typeof key !== 'string' || key.length === 0) throw sqliteError('INVALID_ARGUMENT', 'key must be a non-empty string', operation, namespace);
}

/**
 * The record operations on one connection. Each is synchronous from its check to its write, and the
 * store runs every write inside an IMMEDIATE transaction (or the caller's transaction), so a
 * condition and the write it guards are one atomic step, never a read followed by a separate write.
 */
export class RecordOps {
  readonly #sql: Statements;
  readonly #now: () => number;

  constructor(statements: Statements, now: () => number) {
    this.#sql = statements;
    this.#now = now;
  }

  get(request: RecordGetRequest): RecordEntry | undefined {
    assertKey(request.key, 'records.get', request.namespace);
    const row = this.#sql.get.get(request.namespace, request.key, this.#now());
    return row === undefined ? undefined : toEntry(row);
  }

  put(request: RecordPutRequest): RecordWriteResult {
    const { namespace, key } = request;
    assertKey(key, 'records.put', namespace);
    if (request.ifMatch !== undefined && request.ifNoneMatch !== undefined) {
      throw sqliteError('INVALID_ARGUMENT', 'ifMatch and ifNoneMatch are mutually exclusive; pass one', 'records.put', namespace);
    }
    if (request.ifNoneMatch !== undefined && request.ifNoneMatch !== '*') {
      throw sqliteError('INVALID_ARGUMENT', "ifNoneMatch accepts only '*'", 'records.put', namespace);
    }
    let expiresAt: number | null = null;
    if (request.ttlMs !== undefined) {
      if (!Number.isFinite(request.ttlMs) || request.ttlMs <= 0) {
        throw sqliteError('INVALID_ARGUMENT', 'ttlMs must be a positive number of milliseconds', 'records.put', namespace);
      }
      expiresAt = this.#now() + request.ttlMs;
    }
    const json = JSON.stringify(request.value);
    if (json === undefined) throw sqliteError('INVALID_ARGUMENT', 'value is not JSON', 'records.put', namespace);
    const current = this.#sql.get.get(namespace, key, this.#now());
    if (request.ifNoneMatch === '*' && current !== undefined) {
      throw sqliteError('ALREADY_EXISTS', 'the key already exists (ifNoneMatch: *)', 'records.put', namespace);
    }
    if (request.ifMatch !== undefined && current?.etag !== request.ifMatch) {
      throw sqliteError('PRECONDITION_FAILED', 'ifMatch does not match the current ETag; read the record again', 'records.put', namespace);
    }
    // An expired row counts as absent: the version starts again at 1, as after a delete.
    const version = (current?.version ?? 0) + 1;
    const etag = randomBytes(16).toString('base64url');
    this.#sql.upsert.run(namespace, key, json, version, etag, expiresAt);
    return { version, etag };
  }

  delete(request: RecordDeleteRequest): boolean {
    const { namespace, key } = request;
    assertKey(key, 'records.delete', namespace);
    const current = this.#sql.get.get(namespace, key, this.#now());
    if (request.ifMatch !== undefined && current?.etag !== request.ifMatch) {
      throw sqliteError('PRECONDITION_FAILED', 'ifMatch does not match the current ETag; read the record again', 'records.delete', namespace);
    }
    // Removes an expired leftover too, but reports only a live record as deleted.
    this.#sql.remove.run(namespace, key);
    return current !== undefined;
  }

  list(request: RecordListRequest): Page<RecordEntry> {
    const { namespace } = request;
    const prefix = request.prefix ?? '';
    const limit = request.limit ?? DEFAULT_PAGE;
    if (!Number.isInteger(limit) || limit < 1) {
      throw sqliteError('INVALID_ARGUMENT', `limit must be a positive integer (got ${String(limit)})`, 'records.list', namespace);
    }
    const size = Math.min(limit, MAX_PAGE);
    const after = request.cursor === undefined ? null : decodeCursor(request.cursor, namespace, prefix);
    // One row more than the page tells whether another page follows.
    const rows = this.#sql.list.all({ namespace, prefix, after, now: this.#now(), limit: size + 1 });
    const items = rows.slice(0, size).map(toEntry);
    const last = items.at(-1);
    return rows.length > size && last !== undefined ? { items, cursor: encodeCursor(namespace, prefix, last.key) } : { items };
  }

  /** Removes the namespace and the ones derived from it; returns the number of rows removed. */
  drop(namespace: string): number {
    return this.#sql.dropNamespace.run({ namespace }).changes;
  }
}
