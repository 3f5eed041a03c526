import type { Consistency, JsonValue, Page, WriteResult } from '../types/index.js';
import type { NamespacedRequest, StoreBase } from './store-base.js';
import type { OutboxEnqueueRequest, OutboxReceipt, OutboxStore } from './outbox-store.js';

/** One stored record as an adapter returns it. */
export interface RecordEntry {
  readonly key: string;
  readonly value: JsonValue;
  /** Starts at 1 and grows by one on every write of the key; starts again at 1 after a delete. */
  readonly version: number;
  /** Opaque and unquoted; unique per write, also across delete and re-create. */
  readonly etag: string;
  /** Epoch milliseconds after which the record is gone; absent when it never expires. */
  readonly expiresAt?: number;
}

/** A record write's result. */
export interface RecordWriteResult extends WriteResult {
  readonly version: number;
}

/** Facade-level read options. Adapters ignore them; the cache layer consumes them. */
export interface ReadPreferences {
  readonly consistency?: Consistency;
  readonly bypassCache?: boolean;
}

export interface RecordGetRequest extends NamespacedRequest, ReadPreferences {
  readonly key: string;
}

/** Preconditions of a write. `ifMatch` and `ifNoneMatch` are mutually exclusive. */
export interface WriteConditions {
  /** Write only if the current ETag equals this; else PRECONDITION_FAILED and nothing changes. */
  readonly ifMatch?: string;
  /** `'*'`: create only; if the key exists, ALREADY_EXISTS and nothing changes. */
  readonly ifNoneMatch?: '*';
}

/** The value of a write, as given and (optionally) already serialized by core. */
export interface RecordValue {
  readonly value: JsonValue;
  /**
   * `JSON.stringify(value)`, set by core's validate layer after the strict-JSON check, so the value
   * is serialized once per write. Adapters store this text when present instead of serializing
   * again. A layer that replaces `value` must drop it.
   */
  readonly serialized?: string;
}

/**
 * Rules every adapter follows (core's `validateRecordPut` applies them; docs/adr/005):
 * - `key`: non-empty, at most 4096 UTF-8 bytes, no control characters, lone surrogates or `..` segments;
 * - `value`: strict JSON data (no Dates, Maps, NaN, BigInt, cycles, …), else INVALID_ARGUMENT;
 * - `ttlMs`: an integer from 1 to ten years; `0` and negative values are INVALID_ARGUMENT (not "no TTL").
 */
export interface RecordPutRequest extends NamespacedRequest, WriteConditions, RecordValue {
  readonly key: string;
  /** Time to live in milliseconds (1 ms to ten years); requires the `ttl` capability. */
  readonly ttlMs?: number;
}

export interface RecordDeleteRequest extends NamespacedRequest {
  readonly key: string;
  /** Delete only if the current ETag equals this; an absent key then fails with PRECONDITION_FAILED. */
  readonly ifMatch?: string;
}

export interface RecordListRequest extends NamespacedRequest {
  readonly prefix?: string;
  /** Opaque cursor from a previous page of the same listing. */
  readonly cursor?: string;
  /**
   * Page size; adapters may return fewer. Default 100; an integer from 1 to 1000, anything else
   * (also a larger number) is INVALID_ARGUMENT, never clamped. The cursor is bound to the namespace
   * and prefix: a cursor of another listing is INVALID_ARGUMENT.
   */
  readonly limit?: number;
}

export interface RecordGetManyRequest extends NamespacedRequest {
  readonly keys: readonly string[];
}

export interface RecordPutManyRequest extends NamespacedRequest {
  /**
   * Applied all-or-nothing: if any condition fails, nothing is written. At most 1000 entries, each
   * key at most once: a repeated key is INVALID_ARGUMENT on every adapter.
   */
  readonly entries: ReadonlyArray<{ readonly key: string; readonly ttlMs?: number } & WriteConditions & RecordValue>;
}

export interface RecordDeleteManyRequest extends NamespacedRequest {
  readonly keys: readonly string[];
}

/**
 * A splice of a value stored as a JSON string `prefix + base64(bytes)` (standard alphabet, padded,
 * no line breaks), as core stores an envelope-encrypted value: the first `deleteCount` bytes of the
 * decoded part are replaced by `insert`, so the stored string becomes
 * `prefix + base64(insert ‖ bytes[deleteCount…])`. The adapter knows nothing of envelopes; only the
 * changed bytes travel (key rotation swaps an envelope header this way, docs/adr/021).
 *
 * Rules (core's `validateRecordSplice`): `key` as for put; `ifMatch` a non-empty string (required);
 * `prefix` at most 64 printable ASCII characters (0x20–0x7E); `deleteCount` an integer from 0 to
 * 65 536; `insert` a Uint8Array of at most 65 536 bytes. Anything else is INVALID_ARGUMENT.
 */
export interface RecordSpliceRequest extends NamespacedRequest {
  readonly key: string;
  /** Splice only if the current ETag equals this; else (also for an absent or expired key) PRECONDITION_FAILED. */
  readonly ifMatch: string;
  /** The text the stored string starts with; the base64 part follows it. */
  readonly prefix: string;
  /** How many bytes at the start of the decoded part are removed. */
  readonly deleteCount: number;
  /** The bytes put in their place (any length within the bound, also shorter or longer). */
  readonly insert: Uint8Array;
}

/** What a record adapter can do beyond the core operations. */
export interface RecordCapabilities {
  /** Per-record TTL (`ttlMs`). */
  readonly ttl: boolean;
  /** getMany / putMany / deleteMany in one round trip. */
  readonly bulk: boolean;
  /** `transaction()` across namespaces of the same store. */
  readonly transactions: boolean;
  /**
   * WORM (write once, read many) namespaces: overwrite and delete of a record fail with
   * RETENTION_LOCKED until its retention ends or while a legal hold is on, enforced by the backend
   * (a PostgreSQL trigger). How a namespace becomes WORM is the adapter's own API. Absent means false.
   */
  readonly worm?: boolean;
  /** Transactions can write outbox rows (`enqueueOutbox`) and the store has an `outbox` relay side (ADR-022). */
  readonly outbox?: boolean;
  /** `spliceValue`: replace the head of a base64 string value in place (RecordSpliceRequest). Absent means false. */
  readonly splice?: boolean;
}

/** The operations available inside a transaction: the core ones, bound to one atomic unit. */
export interface RecordOperations {
  get(request: RecordGetRequest): Promise<RecordEntry | undefined>;
  put(request: RecordPutRequest): Promise<RecordWriteResult>;
  delete(request: RecordDeleteRequest): Promise<boolean>;
  list(request: RecordListRequest): Promise<Page<RecordEntry>>;
  /** Inside a transaction only, on adapters with the `outbox` capability: writes one outbox row. */
  enqueueOutbox?(request: OutboxEnqueueRequest): Promise<OutboxReceipt>;
}

/**
 * A record adapter. Listings are keyset-paginated in ascending Unicode code point order of keys (=
 * UTF-8 byte order, PostgreSQL `COLLATE "C"`): every record present for a whole listing appears exactly
 * once, whatever else is inserted or deleted meanwhile.
 */
export interface RecordStore extends StoreBase<'record', RecordCapabilities>, RecordOperations {
  /** Returns `false` when there was nothing to delete (and no `ifMatch` was given). */
  delete(request: RecordDeleteRequest): Promise<boolean>;
  getMany?(request: RecordGetManyRequest): Promise<Array<RecordEntry | undefined>>;
  putMany?(request: RecordPutManyRequest): Promise<RecordWriteResult[]>;
  /** Returns how many records were deleted. */
  deleteMany?(request: RecordDeleteManyRequest): Promise<number>;
  /**
   * Runs `work` atomically; a thrown error rolls everything back. Serialization failures and deadlocks
   * surface as retryable errors (CONSISTENCY or UNAVAILABLE) so the caller may run `work` again.
   */
  transaction?<T>(work: (tx: RecordOperations) => Promise<T>): Promise<T>;
  /**
   * On adapters with the `splice` capability: replaces the first `deleteCount` decoded bytes of a
   * `prefix + base64` string value with `insert`, in one atomic conditional write that sends only
   * `insert` (RecordSpliceRequest). Like a put with `ifMatch`: a stale ETag or an absent or expired
   * key is PRECONDITION_FAILED, a WORM record under retention RETENTION_LOCKED, and nothing changes.
   * A value that is not a string starting with `prefix` whose rest is base64 of at least
   * `deleteCount` bytes is INVALID_ARGUMENT (nothing changes). On success the version grows by one,
   * the ETag is new and the TTL (`expiresAt`) is kept.
   */
  spliceValue?(request: RecordSpliceRequest): Promise<RecordWriteResult>;
  /** The relay side of the outbox, on adapters with the `outbox` capability (valid once opened). */
  readonly outbox?: OutboxStore;
}
