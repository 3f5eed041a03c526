import type { RecordDeleteRequest, RecordGetRequest, RecordListRequest, RecordPutManyRequest, RecordPutRequest, RecordSpliceRequest } from '../spi/record-store.js';
import { jsonText } from './json-value.js';
import { MAX_BATCH, MAX_KEY_BYTES, assertKey, assertKeyList, prefixOf } from './keys.js';
import { assertIntegerIn, assertTtl, pageLimitOf } from './numbers.js';
import { assertConditions, assertReadPreferences, assertUniqueEntryKeys } from './records.js';
import { describeType, invalidArgument, type Where } from './where.js';

/** Per-namespace bounds; adapters called directly pass none and get the module's outer bounds. */
export interface RecordLimits {
  /** @default {@link MAX_KEY_BYTES} */
  readonly maxKeyBytes?: number;
  /** @default no bound beyond the adapter's */
  readonly maxValueBytes?: number;
  /**
   * Trust a request's `serialized` text instead of checking and serializing `value` again. Core's
   * validate layer sets `false` (it makes the text); adapters keep the default.
   * @default true
   */
  readonly useSerialized?: boolean;
}

function valueText(request: { readonly value?: unknown; readonly serialized?: unknown }, where: Where, limits: RecordLimits, field: string): string {
  // Set by core's validate layer after the same checks; adapters store it instead of serializing again.
  if (limits.useSerialized !== false && typeof request.serialized === 'string') return request.serialized;
  return jsonText(request.value, where, field, limits.maxValueBytes);
}

/** Checks a get request (key and read preferences). */
export function validateRecordGet(request: RecordGetRequest, where: Where, limits: RecordLimits = {}): void {
  assertKey(request.key, where, limits.maxKeyBytes ?? MAX_KEY_BYTES);
  assertReadPreferences(request, where);
}

/** Checks a put request and returns the value's JSON text (serialized once, here). */
export function validateRecordPut(request: RecordPutRequest, where: Where, limits: RecordLimits = {}): string {
  assertKey(request.key, where, limits.maxKeyBytes ?? MAX_KEY_BYTES);
  assertConditions(request, where);
  assertTtl(request.ttlMs, where);
  return valueText(request, where, limits, 'value');
}

/** Checks a delete request. */
export function validateRecordDelete(request: RecordDeleteRequest, where: Where, limits: RecordLimits = {}): void {
  assertKey(request.key, where, limits.maxKeyBytes ?? MAX_KEY_BYTES);
  assertConditions({ ifMatch: request.ifMatch }, where);
}

/** Checks a list request; returns the prefix (`''` when none) and the page size (100 when none). */
export function validateRecordList(request: RecordListRequest, where: Where, limits: RecordLimits = {}): { readonly prefix: string; readonly limit: number } {
  const prefix = prefixOf(request.prefix, where, limits.maxKeyBytes ?? MAX_KEY_BYTES);
  const limit = pageLimitOf(request.limit, where);
  if (request.cursor !== undefined && (typeof request.cursor !== 'string' || request.cursor.length === 0)) {
    throw invalidArgument(where, 'cursor', `cursor must be the non-empty string a previous page returned, got ${describeType(request.cursor)}`);
  }
  return { prefix, limit };
}

/** Checks the keys of getMany / deleteMany. */
export function validateRecordKeys(keys: unknown, where: Where, limits: RecordLimits = {}): asserts keys is readonly string[] {
  assertKeyList(keys, where, limits.maxKeyBytes ?? MAX_KEY_BYTES, MAX_BATCH);
}

/**
 * Checks a putMany request: at most {@link MAX_BATCH} entries, each key at most once, each entry
 * like a put. Returns every value's JSON text, in entry order.
 */
export function validateRecordPutMany(request: RecordPutManyRequest, where: Where, limits: RecordLimits = {}): string[] {
  assertUniqueEntryKeys(request.entries, where, MAX_BATCH);
  return request.entries.map((entry, i) => {
    const at = `entries[${String(i)}]`;
    assertKey(entry.key, where, limits.maxKeyBytes ?? MAX_KEY_BYTES, `${at}.key`);
    assertConditions(entry, where);
    assertTtl(entry.ttlMs, where, `${at}.ttlMs`);
    return valueText(entry, where, limits, `${at}.value`);
  });
}

/** Largest `deleteCount` and `insert` of a splice, in bytes. */
export const MAX_SPLICE_BYTES = 65_536;
const SPLICE_PREFIX = /^[\x20-\x7e]{0,64}$/;

/** Checks a spliceValue request (the rules in RecordSpliceRequest's TSDoc). */
export function validateRecordSplice(request: RecordSpliceRequest, where: Where, limits: RecordLimits = {}): void {
  assertKey(request.key, where, limits.maxKeyBytes ?? MAX_KEY_BYTES);
  if (typeof request.ifMatch !== 'string' || request.ifMatch.length === 0) {
    throw invalidArgument(where, 'ifMatch', 'spliceValue needs ifMatch: the non-empty ETag of the version read');
  }
  if (typeof request.prefix !== 'string' || !SPLICE_PREFIX.test(request.prefix)) {
    throw invalidArgument(where, 'prefix', `prefix must be a string of at most 64 printable ASCII characters, got ${describeType(request.prefix)}`);
  }
  assertIntegerIn(request.deleteCount, 0, MAX_SPLICE_BYTES, where, 'deleteCount');
  if (!(request.insert instanceof Uint8Array) || request.insert.byteLength > MAX_SPLICE_BYTES) {
    throw invalidArgument(where, 'insert', `insert must be a Uint8Array of at most ${String(MAX_SPLICE_BYTES)} bytes, got ${describeType(request.insert)}`);
  }
}
