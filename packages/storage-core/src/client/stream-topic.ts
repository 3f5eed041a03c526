import { isUtf8 } from 'node:buffer';
import { StorageError } from '../errors/index.js';
import type { StreamNamespaceConfig } from '../config/index.js';
import { deadLetterNamespace, type PublishReceipt, type StreamMessage, type StreamPublishRequest, type StreamStore } from '../spi/index.js';
import { encodeJsonPayload, invalidArgument } from '../validation/index.js';
import type { Redactor } from '../security/redaction.js';
import type { JsonValue, Principal } from '../types/index.js';
import type { Message, PublishOptions, StreamTopic } from './types.js';

const first = (receipts: readonly PublishReceipt[]): PublishReceipt => receipts[0]!;

/** The principal a scoped handle acts as, and the redactor that scrubs handler errors. */
export interface TopicScope {
  readonly principal?: Principal | undefined;
  readonly redactor?: Redactor | undefined;
}

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
function publishRequest(
  namespace: string,
  config: StreamNamespaceConfig,
  options: PublishOptions | undefined,
  messages: StreamPublishRequest['messages'],
  principal: Principal | undefined,
): StreamPublishRequest {
  const request: { -readonly [K in keyof StreamPublishRequest]: StreamPublishRequest[K] } = {
    namespace,
    timeoutMs: options?.timeoutMs ?? config.publishTimeoutMs,
    messages,
  };
  if (options?.signal !== undefined) request.signal = options.signal;
  if (options?.correlationId !== undefined) request.correlationId = options.correlationId;
  if (principal !== undefined) request.principal = principal;
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
export function createStreamTopic<T>(namespace: string, store: StreamStore, config: StreamNamespaceConfig, scope: TopicScope = {}): StreamTopic<T> {
  const as = (principal: Principal | undefined): { principal?: Principal } => {
    const who = principal ?? scope.principal;
    return who === undefined ? {} : { principal: who };
  };
  const redactor = scope.redactor?.enabled === true ? scope.redactor : undefined;
  /**
   * The user's handler, its failures scrubbed here, before the observe layer logs them, the span
   * records them and the adapter writes them into a dead letter's header.
   */
  const wrap = (handler: (message: Message<T>) => Promise<void>, principal: Principal | undefined) => {
    if (redactor === undefined) return (message: StreamMessage) => handler(decode<T>(message));
    return async (message: StreamMessage): Promise<void> => {
      let decoded: Message<T> | undefined;
      try {
        decoded = decode<T>(message);
        await handler(decoded);
      } catch (error) {
        throw redactor.scrubError(error, [
          ['key', message.key],
          ['principal', principal?.id],
          ['tenant', principal?.tenant],
          ...redactor.fieldValues(decoded?.payload as JsonValue | undefined),
        ]);
      }
    };
  };
  const publishAt = { operation: 'streams.publish', namespace };
  const request = (options: PublishOptions | undefined, messages: StreamPublishRequest['messages']): StreamPublishRequest =>
    publishRequest(namespace, config, options, messages, options?.principal ?? scope.principal);
  return {
    namespace,
    publish(payload, options) {
      try {
        const message = outgoing(encodeJsonPayload(payload, publishAt), options?.key, options?.headers);
        return store.publish(request(options, [message])).then(first);
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
      return store.publish(request(options, encoded));
    },
    async subscribe(group, handler, options) {
      const principal = options?.principal ?? scope.principal;
      return store.subscribe({
        namespace,
        group,
        ...as(principal),
        // A non-function is passed on as it is, so the validate layer refuses it (INVALID_ARGUMENT).
        handler: typeof handler === 'function' ? wrap(handler, principal) : (handler as never),
        maxInFlight: options?.maxInFlight ?? config.maxInFlight,
        maxDeliveries: options?.maxDeliveries ?? config.maxDeliveries,
        ackTimeoutMs: options?.ackTimeoutMs ?? config.ackTimeoutMs,
        from: options?.from ?? 'earliest',
        ...(options?.consumer === undefined ? {} : { consumer: options.consumer }),
        ...(options?.onError === undefined ? {} : { onError: options.onError }),
      });
    },
    deadLetters() {
      return createStreamTopic<T>(deadLetterNamespace(namespace), store, config, scope);
    },
  };
}
