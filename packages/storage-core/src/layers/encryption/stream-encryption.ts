import { StorageError } from '../../errors/index.js';
import type { StreamNamespaceConfig } from '../../config/index.js';
import type { StreamStore } from '../../spi/index.js';
import { openBytes, sealBytes } from '../../crypto/envelope.js';
import type { Layer } from '../layer.js';
import { namespaceKeys } from './namespace-keys.js';

/**
 * Envelope encryption of stream payloads: each message is sealed under a fresh data key bound to
 * (namespace, message key); headers, message keys and ids stay in the clear. A message that does
 * not open fails its delivery with DECRYPT_FAILED (so it is retried, then dead-lettered as is).
 */
export const encryptStreams: Layer<StreamStore, StreamNamespaceConfig> = (store, ctx) => {
  const config = ctx.config.encryption;
  if (config === undefined) return undefined;
  const { namespace } = ctx;
  const keys = namespaceKeys(namespace, config, ctx.runtime.keys);
  return {
    async publish(request) {
      const messages = await Promise.all(
        request.messages.map(async (message) => {
          const key = message.key ?? '';
          const payload = await sealBytes(keys.provider, await keys.keyIdFor(key), { namespace, key }, message.payload, keys.cache);
          return { ...message, payload };
        }),
      );
      return store.publish({ ...request, messages });
    },
    subscribe(request) {
      return store.subscribe({
        ...request,
        async handler(message) {
          let payload: Buffer;
          try {
            payload = await openBytes(keys.provider, Buffer.from(message.payload), { namespace, key: message.key ?? '' }, keys.cache);
          } catch (error) {
            throw error instanceof StorageError ? error.withContext({ operation: 'streams.consume', namespace, adapter: store.name }) : error;
          }
          return request.handler({ ...message, payload });
        },
      });
    },
  };
};
