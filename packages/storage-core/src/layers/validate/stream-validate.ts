import type { StreamNamespaceConfig } from '../../config/index.js';
import type { StreamStore } from '../../spi/index.js';
import { validatePublish, validateSubscribe } from '../../validation/index.js';
import type { Layer } from '../layer.js';

/** Rejects malformed publish/subscribe requests before any I/O, with core's one rulebook. */
export const validateStreams: Layer<StreamStore, StreamNamespaceConfig> = (next, { config }) => {
  const limits = { maxPayloadBytes: config.maxPayloadBytes };
  return {
    publish(request) {
      validatePublish(request, { operation: 'streams.publish', namespace: request.namespace }, limits);
      return next.publish(request);
    },
    subscribe(request) {
      validateSubscribe(request, { operation: 'streams.subscribe', namespace: request.namespace });
      return next.subscribe(request);
    },
  };
};
