import { StorageError } from '../errors/index.js';
import type { StreamNamespaceConfig } from '../config/index.js';
import { deadLetterNamespace, type StreamMessage, type StreamStore } from '../spi/index.js';
import type { JsonValue } from '../types/index.js';
import type { Message, StreamTopic } from './types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function encode(payload: unknown, namespace: string): Uint8Array {
  const text = JSON.stringify(payload);
  if (text === undefined) {
    throw new StorageError('INVALID_ARGUMENT', 'payload must be a JSON value', { operation: 'streams.publish', namespace, details: { field: 'payload' } });
  }
  return encoder.encode(text);
}

function decode<T>(message: StreamMessage): Message<T> {
  let payload: T;
  try {
    payload = JSON.parse(decoder.decode(message.payload)) as T;
  } catch (cause) {
    // Thrown inside the handler wrapper: the message is redelivered and, in the end, dead-lettered.
    throw new StorageError('INVALID_ARGUMENT', `message ${message.id} is not valid UTF-8 JSON`, { operation: 'streams.consume', namespace: message.namespace, cause });
  }
  return {
    id: message.id,
    ...(message.key === undefined ? {} : { key: message.key }),
    payload,
    headers: message.headers,
    publishedAt: message.publishedAt,
    deliveryCount: message.deliveryCount,
  };
}

/** The facade handle of one stream namespace, over its layered store. */
export function createStreamTopic<T extends JsonValue>(namespace: string, store: StreamStore, config: StreamNamespaceConfig): StreamTopic<T> {
  return {
    namespace,
    async publish(payload, options) {
      const [receipt] = await store.publish({
        namespace,
        timeoutMs: options?.timeoutMs ?? config.publishTimeoutMs,
        ...(options?.signal === undefined ? {} : { signal: options.signal }),
        ...(options?.correlationId === undefined ? {} : { correlationId: options.correlationId }),
        messages: [
          {
            payload: encode(payload, namespace),
            ...(options?.key === undefined ? {} : { key: options.key }),
            ...(options?.headers === undefined ? {} : { headers: options.headers }),
          },
        ],
      });
      return receipt!;
    },
    async publishBatch(messages, options) {
      return store.publish({
        namespace,
        timeoutMs: options?.timeoutMs ?? config.publishTimeoutMs,
        ...(options?.signal === undefined ? {} : { signal: options.signal }),
        ...(options?.correlationId === undefined ? {} : { correlationId: options.correlationId }),
        messages: messages.map((m) => ({
          payload: encode(m.payload, namespace),
          ...(m.key === undefined ? {} : { key: m.key }),
          ...(m.headers === undefined ? {} : { headers: m.headers }),
        })),
      });
    },
    async subscribe(group, handler, options) {
      return store.subscribe({
        namespace,
        group,
        handler: (message) => handler(decode<T>(message)),
        maxInFlight: options?.maxInFlight ?? config.maxInFlight,
        maxDeliveries: options?.maxDeliveries ?? config.maxDeliveries,
        ackTimeoutMs: options?.ackTimeoutMs ?? config.ackTimeoutMs,
        from: options?.from ?? 'earliest',
        ...(options?.consumer === undefined ? {} : { consumer: options.consumer }),
        ...(options?.onError === undefined ? {} : { onError: options.onError }),
      });
    },
    deadLetters() {
      return createStreamTopic<T>(deadLetterNamespace(namespace), store, config);
    },
  };
}
