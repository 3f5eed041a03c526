import { randomBytes } from 'node:crypto';
import type { Page } from '../types/index.js';
import type {
  RecordCapabilities,
  RecordDeleteRequest,
  RecordEntry,
  RecordGetRequest,
  RecordListRequest,
  RecordPutRequest,
  RecordSpliceRequest,
  RecordWriteResult,
} from '../spi/index.js';
import type { JsonValue } from '../types/index.js';
import { validateRecordDelete, validateRecordGet, validateRecordPut, validateRecordSplice } from '../validation/index.js';
import { memoryError, memoryWhere, throwIfAborted } from './errors.js';
import { listRecords } from './record-list.js';
import { spliceBase64 } from './record-splice.js';
import { toEntry, type StoredRecord, type TableSource } from './record-table.js';

/** What record operations need besides the tables. */
export interface RecordContext {
  readonly now: () => number;
  readonly capabilities: RecordCapabilities;
}

/** A fresh opaque ETag; random, so a deleted and re-created key never gets an old one back. */
export function newEtag(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * The core record operations over a table source, each synchronous from check to write so that
 * conditions and writes form one atomic step.
 */
export class RecordOps {
  readonly #source: TableSource;
  readonly #context: RecordContext;

  constructor(source: TableSource, context: RecordContext) {
    this.#source = source;
    this.#context = context;
  }

  get(request: RecordGetRequest): RecordEntry | undefined {
    throwIfAborted(request.signal, 'records.get', request.namespace);
    validateRecordGet(request, memoryWhere('records.get', request.namespace));
    const row = this.#source.table(request.namespace).live(request.key, this.#context.now());
    return row === undefined ? undefined : toEntry(request.key, row);
  }

  put(request: RecordPutRequest): RecordWriteResult {
    const { namespace, key } = request;
    throwIfAborted(request.signal, 'records.put', namespace);
    // Serialized once: by core's validate layer (handed down) or here when called directly.
    const json = validateRecordPut(request, memoryWhere('records.put', namespace));
    const expiresAt = this.#expiry(request.ttlMs, namespace);
    const table = this.#source.table(namespace);
    const current = table.live(key, this.#context.now());
    if (request.ifNoneMatch === '*' && current !== undefined) {
      throw memoryError('ALREADY_EXISTS', 'the key already exists', 'records.put', namespace);
    }
    if (request.ifMatch !== undefined && current?.etag !== request.ifMatch) {
      throw memoryError('PRECONDITION_FAILED', 'ifMatch does not match the current ETag', 'records.put', namespace);
    }
    const row: StoredRecord = {
      json,
      version: (current?.version ?? 0) + 1,
      etag: newEtag(),
      ...(expiresAt === undefined ? {} : { expiresAt }),
    };
    table.set(key, row);
    return { version: row.version, etag: row.etag };
  }

  /** spliceValue: a conditional write of the spliced string that keeps the TTL. */
  splice(request: RecordSpliceRequest): RecordWriteResult {
    const { namespace, key } = request;
    throwIfAborted(request.signal, 'records.spliceValue', namespace);
    validateRecordSplice(request, memoryWhere('records.spliceValue', namespace));
    const table = this.#source.table(namespace);
    const current = table.live(key, this.#context.now());
    if (current === undefined || current.etag !== request.ifMatch) {
      throw memoryError('PRECONDITION_FAILED', 'ifMatch does not match the current ETag', 'records.spliceValue', namespace);
    }
    const spliced = spliceBase64(JSON.parse(current.json) as JsonValue, request.prefix, request.deleteCount, request.insert);
    if (spliced === undefined) {
      throw memoryError('INVALID_ARGUMENT', 'the value is not a string of prefix + base64 holding at least deleteCount bytes', 'records.spliceValue', namespace, {
        details: { field: 'value' },
      });
    }
    const row: StoredRecord = {
      json: JSON.stringify(spliced),
      version: current.version + 1,
      etag: newEtag(),
      ...(current.expiresAt === undefined ? {} : { expiresAt: current.expiresAt }),
    };
    table.set(key, row);
    return { version: row.version, etag: row.etag };
  }

  delete(request: RecordDeleteRequest): boolean {
    const { namespace, key } = request;
    throwIfAborted(request.signal, 'records.delete', namespace);
    validateRecordDelete(request, memoryWhere('records.delete', namespace));
    const table = this.#source.table(namespace);
    const current = table.live(key, this.#context.now());
    if (request.ifMatch !== undefined && current?.etag !== request.ifMatch) {
      throw memoryError('PRECONDITION_FAILED', 'ifMatch does not match the current ETag', 'records.delete', namespace);
    }
    return current === undefined ? false : table.remove(key);
  }

  list(request: RecordListRequest): Page<RecordEntry> {
    throwIfAborted(request.signal, 'records.list', request.namespace);
    return listRecords(this.#source.table(request.namespace), request, this.#context.now());
  }

  #expiry(ttlMs: number | undefined, namespace: string): number | undefined {
    if (ttlMs === undefined) return undefined;
    if (!this.#context.capabilities.ttl) {
      throw memoryError('UNSUPPORTED', 'this store was created without the ttl capability', 'records.put', namespace);
    }
    return this.#context.now() + ttlMs;
  }
}
