import { StorageError } from '../../errors/index.js';
import type { StreamNamespaceConfig } from '../../config/index.js';
import type { StreamStore } from '../../spi/index.js';
import type { Layer } from '../layer.js';
import { assertValidKey } from './keys.js';

const GROUP = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function positiveInt(value: number, field: string, where: { operation: string; namespace: string }): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new StorageError('INVALID_ARGUMENT', `${field} must be a positive integer, got ${String(value)}`, {
      ...where,
      details: { field },
    });
  }
}

/** Rejects malformed publish/subscribe requests before any I/O. */
export const validateStreams: Layer<StreamStore, StreamNamespaceConfig> = (store, { namespace, config }) => {
  const at = (operation: string) => ({ operation, namespace });
  return {
    kind: 'stream',
    name: store.name,
    capabilities: store.capabilities,
    publish(request) {
      const where = at('streams.publish');
      if (request.messages.length === 0) {
        throw new StorageError('INVALID_ARGUMENT', 'publish needs at least one message', { ...where, details: { field: 'messages' } });
      }
      for (const [i, message] of request.messages.entries()) {
        if (message.key !== undefined) assertValidKey(message.key, 1024, where, `messages[${i}].key`);
        if (message.payload.byteLength > config.maxPayloadBytes) {
          throw new StorageError(
            'PAYLOAD_TOO_LARGE',
            `messages[${i}] payload is ${message.payload.byteLength} bytes; this stream accepts at most ${config.maxPayloadBytes}`,
            { ...where, details: { field: `messages[${i}].payload` } },
          );
        }
      }
      return store.publish(request);
    },
    subscribe(request) {
      const where = at('streams.subscribe');
      if (typeof request.group !== 'string' || !GROUP.test(request.group)) {
        throw new StorageError('INVALID_ARGUMENT', 'group must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit', {
          ...where,
          details: { field: 'group' },
        });
      }
      if (typeof request.handler !== 'function') {
        throw new StorageError('INVALID_ARGUMENT', 'handler must be an async function', { ...where, details: { field: 'handler' } });
      }
      positiveInt(request.maxInFlight, 'maxInFlight', where);
      positiveInt(request.maxDeliveries, 'maxDeliveries', where);
      positiveInt(request.ackTimeoutMs, 'ackTimeoutMs', where);
      return store.subscribe(request);
    },
  };
};
