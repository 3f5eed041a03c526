import { isUtf8 } from 'node:buffer';
import { StorageError } from '../errors/index.js';
import type { StreamNamespaceConfig } from '../config/index.js';
import { deadLetterNamespace, type PublishReceipt, type StreamMessage, type StreamPublishRequest, type StreamStore } from '../spi/index.js';
import { encodeJsonPayload, invalidArgument } from '../validation/index.js';
import type { Message, PublishOptions, StreamTopic } from './types.js';

const first = (receipts: readonly PublishReceipt[]): PublishReceipt => receipts[0]!;

function decode<T>(message: StreamMessage): Message<T> {
  let payload: T;
  try {
    const bytes = message.payload;
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!isUtf8(buffer)) throw new TypeError('the payload is not valid UTF-8');
    payload = JSON.parse(buffer.toString('utf8')) as T;
  } catch (cause) {
    // Thrown inside the handler wrapper: the message is redelivered and, in the end, dead-lettered.
    throw new StorageError('INVALID_ARGUMENT', `message ${message.id} is not valid UTF-8 JSON`, { operation: 'streams.consume', namespace: message.namespace, cause });
  }
  // Built without spreads: this runs once per consumed message.
  const decoded: { -readonly [K in keyof Message<T>]: Message<T>[K] } = {
    id: message.id,
    payload,
    headers: message.headers,
    publishedAt: message.publishedAt,
    deliveryCount: message.deliveryCount,
  };
  if (message.key !== undefined) decoded.key = message.key;
  return decoded;
}

/** The publish request of a call's options (no spreads: publish is a hot path). */
function publishRequest(namespace: string, config: StreamNamespaceConfig, options: PublishOptions | undefined, messages: StreamPublishRequest['messages']): StreamPublishRequest {
  const request: { -readonly [K in keyof StreamPublishRequest]: StreamPublishRequest[K] } = {
    namespace,
    timeoutMs: options?.timeoutMs ?? config.publishTimeoutMs,
    messages,
  };
  if (options?.signal !== undefined) request.signal = options.signal;
  if (options?.correlationId !== undefined) request.correlationId = options.correlationId;
  return request;
}

type OutgoingMessage = StreamPublishRequest['messages'][number];

function outgoing(payload: Uint8Array, key: string | undefined, headers: Readonly<Record<string, string>> | undefined): OutgoingMessage {
  const message: { -readonly [K in keyof OutgoingMessage]: OutgoingMessage[K] } = { payload };
  if (key !== undefined) message.key = key;
  if (headers !== undefined) message.headers = headers;
  return message;
}

/** The facade handle of one stream namespace, over its layered store. */
export function createStreamTopic<T>(namespace: string, store: StreamStore, config: StreamNamespaceConfig): StreamTopic<T> {
  const publishAt = { operation: 'streams.publish', namespace };
  return {
    namespace,
    publish(payload, options) {
      try {
        const message = outgoing(encodeJsonPayload(payload, publishAt), options?.key, options?.headers);
        return store.publish(publishRequest(namespace, config, options, [message])).then(first);
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
    async publishBatch(messages, options) {
      if (!Array.isArray(messages)) throw invalidArgument(publishAt, 'messages', 'publishBatch needs an array of { payload, key?, headers? }');
      const encoded = new Array<OutgoingMessage>(messages.length);
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i]!;
        // The field name is built only if this payload is refused.
        encoded[i] = outgoing(encodeJsonPayload(m.payload, publishAt, () => `messages[${String(i)}].payload`), m.key, m.headers);
      }
      return store.publish(publishRequest(namespace, config, options, encoded));
    },
    async subscribe(group, handler, options) {
      return store.subscribe({
        namespace,
        group,
        // A non-function is passed on as it is, so the validate layer refuses it (INVALID_ARGUMENT).
        handler: typeof handler === 'function' ? (message) => handler(decode<T>(message)) : (handler as never),
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
