import { StorageError } from '../errors/index.js';
import type { RecordOperations } from '../spi/index.js';
import { serializeJson, validatePublish } from '../validation/index.js';

/** Options of a publish inside a transaction. */
export interface OutboxPublishOptions {
  /** Ordering key: the relay publishes the messages of one key in the order they were written. */
  readonly key?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * `tx.streams(namespace)`: publishing inside a record transaction. The message is written to the
 * outbox in the same database transaction; the relay (`runOutboxRelay`) delivers it after commit,
 * at least once, with its outbox id in the `idempotency-key` header. Nothing is published when the
 * transaction rolls back.
 */
export interface OutboxTopic<T> {
  readonly namespace: string;
  /** Resolves with the message's outbox id once the row is written (it is delivered after commit). */
  publish(payload: T, options?: OutboxPublishOptions): Promise<{ readonly id: string }>;
}

/** Checks that a stream namespace exists (throws INVALID_ARGUMENT naming the configured ones otherwise). */
export type StreamPeer = (namespace: string) => void;

/** The outbox topic of `stream` over one transaction's operations, for the record namespace `records`. */
export function transactionTopic<T>(tx: RecordOperations, records: string, adapter: string, stream: string): OutboxTopic<T> {
  const where = { operation: 'streams.transaction.publish', namespace: stream };
  return {
    namespace: stream,
    async publish(payload, options) {
      if (tx.enqueueOutbox === undefined) {
        throw new StorageError(
          'UNSUPPORTED',
          `adapter "${adapter}" of record namespace "${records}" cannot publish inside a transaction (capability "outbox"); ` +
            'use a record adapter with an outbox (e.g. postgres), or publish with client.streams() after the transaction',
          { ...where, adapter },
        );
      }
      const text = serializeJson(payload, where, { field: 'payload' });
      const key = options?.key;
      const headers = options?.headers;
      // The same rules as a direct publish, so the relay never meets a message the stream refuses for its shape.
      validatePublish(
        { namespace: stream, messages: [{ payload: Buffer.from(text, 'utf8'), ...(key === undefined ? {} : { key }), ...(headers === undefined ? {} : { headers }) }] },
        { ...where, adapter },
      );
      return tx.enqueueOutbox({ stream, payload: text, ...(key === undefined ? {} : { key }), ...(headers === undefined ? {} : { headers: { ...headers } }) });
    },
  };
}
