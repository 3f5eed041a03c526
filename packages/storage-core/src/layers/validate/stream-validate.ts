import type { StreamNamespaceConfig } from '../../config/index.js';
import type { StreamStore } from '../../spi/index.js';
import { validatePublish, validateSubscribe } from '../../validation/index.js';
import type { Layer } from '../layer.js';

/** Rejects malformed publish/subscribe requests before any I/O, with core's one rulebook. */
export const validateStreams: Layer<StreamStore, StreamNamespaceConfig> = (next, { config, namespace }) => {
  const limits = { maxPayloadBytes: config.maxPayloadBytes };
  // Built once: a publish costs no allocation for its error context.
  const publishAt = { operation: 'streams.publish', namespace };
  return {
    publish(request) {
      validatePublish(request, request.namespace === namespace ? publishAt : { operation: 'streams.publish', namespace: request.namespace }, limits);
      return next.publish(request);
    },
    subscribe(request) {
      validateSubscribe(request, { operation: 'streams.subscribe', namespace: request.namespace });
      return next.subscribe(request);
    },
  };
};
