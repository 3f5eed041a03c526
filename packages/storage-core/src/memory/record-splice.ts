import type { JsonValue } from '../types/index.js';

// Standard alphabet, padded, no line breaks: the form spliceValue reads and writes.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The reference semantics of `spliceValue`: `prefix + base64(insert ‖ bytes[deleteCount…])` for a
 * stored `prefix + base64(bytes)`; `undefined` when the value is not of that form (not a string,
 * another prefix, not canonical base64, or fewer than `deleteCount` bytes).
 */
export function spliceBase64(value: JsonValue, prefix: string, deleteCount: number, insert: Uint8Array): string | undefined {
  if (typeof value !== 'string' || !value.startsWith(prefix)) return undefined;
  const encoded = value.slice(prefix.length);
  if (!BASE64.test(encoded)) return undefined;
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length < deleteCount) return undefined;
  return prefix + Buffer.concat([insert, bytes.subarray(deleteCount)]).toString('base64');
}
