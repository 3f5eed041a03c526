import type { OutgoingMessage, StreamMessage } from '@sanctum/storage-core/spi';
import { idTime } from './ids.js';

/** Field names of an entry: payload, key, headers (JSON). Short, because Redis stores them per entry. */
export const FIELD = { payload: 'p', key: 'k', headers: 'h' } as const;

/** A Redis argument: strings for names, Buffers for binary payloads. */
export type RedisArg = string | Buffer;

function asBuffer(payload: Uint8Array): Buffer {
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** Appends the field/value arguments of `XADD` for one message to `args` (no intermediate objects: hot path). */
export function pushFields(args: RedisArg[], message: OutgoingMessage): RedisArg[] {
  args.push(FIELD.payload, asBuffer(message.payload));
  if (message.key !== undefined) args.push(FIELD.key, message.key);
  const headers = message.headers;
  if (headers !== undefined) {
    for (const _ in headers) {
      args.push(FIELD.headers, JSON.stringify(headers));
      break;
    }
  }
  return args;
}

/**
 * Appends one message's arguments of the publish script to `args`: payload, key ('' = none, else
 * '=' + key, so an empty key survives) and headers JSON ('' = none).
 */
export function pushScriptArgs(args: RedisArg[], message: OutgoingMessage): void {
  let headers = '';
  if (message.headers !== undefined) {
    for (const _ in message.headers) {
      headers = JSON.stringify(message.headers);
      break;
    }
  }
  args.push(asBuffer(message.payload), message.key === undefined ? '' : `=${message.key}`, headers);
}

/** The field/value arguments of `XADD` for one message. */
export function encodeFields(message: OutgoingMessage): RedisArg[] {
  return pushFields([], message);
}

const P = FIELD.payload.charCodeAt(0);
const K = FIELD.key.charCodeAt(0);
const H = FIELD.headers.charCodeAt(0);

function parseHeaders(text: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(parsed)) if (typeof value === 'string') headers[name] = value;
    return headers;
  } catch {
    return {};
  }
}

/**
 * A handler's view of one entry. Entries written by other producers (no `p` field) arrive with their
 * field map as a JSON payload, so nothing in a stream is unreadable.
 */
export function decodeEntry(namespace: string, id: string, fields: readonly Buffer[], deliveryCount: number): StreamMessage {
  let payload: Buffer | undefined;
  let key: string | undefined;
  let headers: Record<string, string> | undefined;
  let foreign: Record<string, string> | undefined;
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const name = fields[index] as Buffer;
    const value = fields[index + 1] as Buffer;
    // Our field names are one byte: compared without making a string (once per field consumed).
    const ours = name.length === 1 ? name[0] : undefined;
    if (ours === P) payload = value;
    else if (ours === K) key = value.toString('utf8');
    else if (ours === H) headers = parseHeaders(value.toString('utf8'));
    else (foreign ??= {})[name.toString('latin1')] = value.toString('utf8');
  }
  if (payload === undefined) payload = Buffer.from(JSON.stringify(foreign ?? {}));
  // Built without spreads: this runs once per consumed message.
  const message: { -readonly [K in keyof StreamMessage]: StreamMessage[K] } = {
    id,
    namespace,
    payload,
    headers: headers ?? {},
    publishedAt: new Date(idTime(id)),
    deliveryCount,
  };
  if (key !== undefined) message.key = key;
  return message;
}

/** The message to write to a dead-letter stream: the original with new headers. */
export function toOutgoing(message: StreamMessage, headers: Record<string, string>): OutgoingMessage {
  return { ...(message.key === undefined ? {} : { key: message.key }), payload: message.payload, headers };
}
