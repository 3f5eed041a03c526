import type { StreamNamespaceConfig } from '../../config/index.js';
import type { StreamStore } from '../../spi/index.js';
import { validatePublish, validateSubscribe } from '../../validation/index.js';
import type { Layer } from '../layer.js';

/** Rejects malformed publish/subscribe requests before any I/O, with core's one rulebook. */
export const validateStreams: Layer<StreamStore, StreamNamespaceConfig> = (store, { config }) => {
  const limits = { maxPayloadBytes: config.maxPayloadBytes };
  return {
    kind: 'stream',
    name: store.name,
    capabilities: store.capabilities,
    publish(request) {
      validatePublish(request, { operation: 'streams.publish', namespace: request.namespace }, limits);
      return store.publish(request);
    },
    subscribe(request) {
      validateSubscribe(request, { operation: 'streams.subscribe', namespace: request.namespace });
      return store.subscribe(request);
    },
  };
};
