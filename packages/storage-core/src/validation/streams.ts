import type { StreamPublishRequest, SubscribeRequest } from '../spi/stream-store.js';
import { serializeJson } from './json-value.js';
import { assertKey, hasLoneSurrogate, isUsableKey } from './keys.js';
import { MAX_TIMER_MS, assertIntegerIn } from './numbers.js';
import { describeType, invalidArgument, payloadTooLarge, type Where } from './where.js';

const GROUP = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
// eslint-disable-next-line no-control-regex -- header names and values travel as protocol fields
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Upper bounds of a subscription's numbers (the same as the namespace config's). */
export const MAX_IN_FLIGHT = 100_000;
/** Most deliveries a message may get before it is dead-lettered. */
export const MAX_DELIVERIES = 1000;
/** Longest partitioning key of a message, in UTF-8 bytes. */
export const MAX_MESSAGE_KEY_BYTES = 1024;

/**
 * A JSON payload as the bytes a stream carries; INVALID_ARGUMENT for anything JSON would change.
 * (`Buffer.from` rather than TextEncoder: measurably cheaper on the publish path; the text is
 * well-formed, lone surrogates having been refused.)
 */
export function encodeJsonPayload(payload: unknown, where: Where, field: string | (() => string) = 'payload'): Uint8Array {
  return Buffer.from(serializeJson(payload, where, { field }), 'utf8');
}

function headerBytes(headers: unknown, where: Where, field: string): number {
  if (headers === undefined) return 0;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw invalidArgument(where, field, `${field} must be an object of string values, got ${describeType(headers)}`);
  }
  let bytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (name.length === 0 || CONTROL.test(name) || hasLoneSurrogate(name)) {
      throw invalidArgument(where, field, `${field} has a header name that is empty or holds control characters or lone surrogates`);
    }
    if (typeof value !== 'string' || CONTROL.test(value) || hasLoneSurrogate(value)) {
      throw invalidArgument(where, `${field}.${name}`, `${field}.${name} must be a string without control characters (CR, LF, …) or lone surrogates`);
    }
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
  }
  return bytes;
}

/**
 * Checks a publish request: a non-empty array of at most `maxBatch` messages, each with a byte
 * payload, an optional valid key and string headers; payload plus header bytes count against
 * `maxPayloadBytes` (PAYLOAD_TOO_LARGE). `timeoutMs` must be a timer-sized positive integer.
 */
export function validatePublish(request: StreamPublishRequest, where: Where, limits: { readonly maxPayloadBytes?: number; readonly maxBatch?: number } = {}): void {
  const messages: unknown = request.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalidArgument(where, 'messages', `publish needs a non-empty array of messages, got ${describeType(messages)}`);
  }
  if (limits.maxBatch !== undefined && messages.length > limits.maxBatch) {
    throw invalidArgument(where, 'messages', `a batch of ${String(messages.length)} messages is larger than this store's bound of ${String(limits.maxBatch)}`);
  }
  // 0 is allowed: fail with BACKPRESSURE at once instead of waiting for room.
  if (request.timeoutMs !== undefined) assertIntegerIn(request.timeoutMs, 0, MAX_TIMER_MS, where, 'timeoutMs');
  const max = limits.maxPayloadBytes ?? Infinity;
  // Field paths (`messages[i]…`) are built only for a failure: a valid batch costs no string work.
  for (let i = 0; i < messages.length; i++) {
    const message: unknown = messages[i];
    if (typeof message !== 'object' || message === null) throw invalidArgument(where, at(i), `${at(i)} must be an object with a payload`);
    const { payload, key, headers } = message as { payload?: unknown; key?: unknown; headers?: unknown };
    if (!(payload instanceof Uint8Array)) throw invalidArgument(where, `${at(i)}.payload`, `${at(i)}.payload must be a Uint8Array, got ${describeType(payload)}`);
    if (key !== undefined && !isUsableKey(key, MAX_MESSAGE_KEY_BYTES)) assertKey(key, where, MAX_MESSAGE_KEY_BYTES, `${at(i)}.key`);
    const size = headers === undefined ? payload.byteLength : payload.byteLength + headerBytes(headers, where, `${at(i)}.headers`);
    if (size > max) throw payloadTooLarge(where, `${at(i)}.payload`, size, max, `${at(i)} (payload plus headers)`);
  }
}

const at = (i: number): string => `messages[${String(i)}]`;

/** Throws INVALID_ARGUMENT unless `start` is a known start position. */
function assertStart(start: unknown, where: Where): void {
  if (start === undefined || start === 'earliest' || start === 'latest') return;
  if (typeof start === 'object' && start !== null) {
    const { afterId, fromTime } = start as { afterId?: unknown; fromTime?: unknown };
    if (typeof afterId === 'string' && afterId.length > 0) return;
    if (fromTime instanceof Date && Number.isFinite(fromTime.getTime())) return;
  }
  throw invalidArgument(where, 'from', `from must be "earliest", "latest", { afterId: string } or { fromTime: Date }, got ${describeType(start)}`);
}

/**
 * Checks a subscribe request: group name, optional consumer name, handler function, bounded
 * `maxInFlight` / `maxDeliveries`, `ackTimeoutMs` a timer can hold, start position, `onError`.
 */
export function validateSubscribe(request: SubscribeRequest, where: Where): void {
  if (typeof request.group !== 'string' || !GROUP.test(request.group)) {
    throw invalidArgument(where, 'group', 'group must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  if (request.consumer !== undefined && (typeof request.consumer !== 'string' || !GROUP.test(request.consumer))) {
    throw invalidArgument(where, 'consumer', 'consumer must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  if (typeof request.handler !== 'function') {
    throw invalidArgument(where, 'handler', `handler must be an async function, got ${describeType(request.handler)}`);
  }
  if (request.onError !== undefined && typeof request.onError !== 'function') {
    throw invalidArgument(where, 'onError', `onError must be a function, got ${describeType(request.onError)}`);
  }
  assertIntegerIn(request.maxInFlight, 1, MAX_IN_FLIGHT, where, 'maxInFlight');
  assertIntegerIn(request.maxDeliveries, 1, MAX_DELIVERIES, where, 'maxDeliveries');
  assertIntegerIn(request.ackTimeoutMs, 1, MAX_TIMER_MS, where, 'ackTimeoutMs');
  assertStart(request.from, where);
}
