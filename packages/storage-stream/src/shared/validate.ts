import type { OutgoingMessage, StorageError, SubscribeRequest } from '@sanctum/storage-core/spi';

type Invalid = (message: string) => StorageError;

/** Throws INVALID_ARGUMENT (built by `invalid`) for a malformed subscribe request. */
export function validateSubscribe(request: SubscribeRequest, invalid: Invalid): void {
  if (typeof request.group !== 'string' || request.group.length === 0) throw invalid('group must be a non-empty string');
  if (request.consumer !== undefined && (typeof request.consumer !== 'string' || request.consumer.length === 0)) {
    throw invalid('consumer must be a non-empty string');
  }
  if (typeof request.handler !== 'function') throw invalid('handler must be a function');
  for (const name of ['maxInFlight', 'maxDeliveries', 'ackTimeoutMs'] as const) {
    const value = request[name];
    if (!Number.isInteger(value) || value < 1) throw invalid(`${name} must be a positive integer`);
  }
}

/** Throws INVALID_ARGUMENT (built by `invalid`) for a malformed batch. */
export function validateMessages(messages: readonly OutgoingMessage[], maxBatch: number, invalid: Invalid): void {
  if (!Array.isArray(messages)) throw invalid('messages must be an array');
  if (messages.length > maxBatch) {
    throw invalid(`a batch of ${String(messages.length)} messages is larger than this store's bound of ${String(maxBatch)}`);
  }
  for (const message of messages) {
    if (!(message.payload instanceof Uint8Array)) throw invalid('payload must be a Uint8Array');
    if (message.key !== undefined && typeof message.key !== 'string') throw invalid('key must be a string');
    const headers = message.headers;
    if (headers === undefined) continue;
    for (const name in headers) if (typeof headers[name] !== 'string') throw invalid('header values must be strings');
  }
}

/** A fresh consumer name, unique enough to never collide within a group. */
export function defaultConsumerName(randomId: string): string {
  return `consumer-${randomId}`;
}
