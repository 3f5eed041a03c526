import type { OutgoingMessage, StreamMessage } from '@sanctum/storage-core/spi';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

function asBuffer(payload: Uint8Array): Buffer {
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** The kafkajs message for an outgoing one (key and headers as UTF-8). */
export function toKafkaMessage(message: OutgoingMessage): Message {
  return {
    value: asBuffer(message.payload),
    ...(message.key === undefined ? {} : { key: message.key }),
    ...(message.headers === undefined ? {} : { headers: { ...message.headers } }),
  };
}

function headerText(value: IHeaders[string]): string | undefined {
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

/** A handler's view of a fetched record. Payload and headers are fresh copies per delivery. */
export function toStreamMessage(namespace: string, id: string, record: KafkaMessage, deliveryCount: number): StreamMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    const text = headerText(value);
    if (text !== undefined) headers[name] = text;
  }
  const value = record.value ?? Buffer.alloc(0);
  return {
    id,
    namespace,
    ...(record.key === null || record.key === undefined ? {} : { key: record.key.toString('utf8') }),
    payload: new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength)),
    headers,
    publishedAt: new Date(Number(record.timestamp)),
    deliveryCount,
  };
}
