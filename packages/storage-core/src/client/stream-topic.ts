import { isUtf8 } from 'node:buffer';
import { StorageError } from '../errors/index.js';
import type { StreamNamespaceConfig } from '../config/index.js';
import { deadLetterNamespace, type StreamMessage, type StreamStore } from '../spi/index.js';
import { encodeJsonPayload, invalidArgument } from '../validation/index.js';
import type { Redactor } from '../security/redaction.js';
import type { JsonValue, Principal } from '../types/index.js';
import type { Message, StreamTopic } from './types.js';

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
  return {
    namespace,
    async publish(payload, options) {
      const [receipt] = await store.publish({
        namespace,
        timeoutMs: options?.timeoutMs ?? config.publishTimeoutMs,
        ...as(options?.principal),
        ...(options?.signal === undefined ? {} : { signal: options.signal }),
        ...(options?.correlationId === undefined ? {} : { correlationId: options.correlationId }),
        messages: [
          {
            payload: encodeJsonPayload(payload, { operation: 'streams.publish', namespace }),
            ...(options?.key === undefined ? {} : { key: options.key }),
            ...(options?.headers === undefined ? {} : { headers: options.headers }),
          },
        ],
      });
      return receipt!;
    },
    async publishBatch(messages, options) {
      const where = { operation: 'streams.publish', namespace };
      if (!Array.isArray(messages)) throw invalidArgument(where, 'messages', 'publishBatch needs an array of { payload, key?, headers? }');
      return store.publish({
        namespace,
        timeoutMs: options?.timeoutMs ?? config.publishTimeoutMs,
        ...as(options?.principal),
        ...(options?.signal === undefined ? {} : { signal: options.signal }),
        ...(options?.correlationId === undefined ? {} : { correlationId: options.correlationId }),
        messages: messages.map((m, i) => ({
          payload: encodeJsonPayload(m.payload, where, `messages[${String(i)}].payload`),
          ...(m.key === undefined ? {} : { key: m.key }),
          ...(m.headers === undefined ? {} : { headers: m.headers }),
        })),
      });
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
