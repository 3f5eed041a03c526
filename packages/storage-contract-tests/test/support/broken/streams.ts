import { createMemoryStreamStore, type StreamStore, type SubscribeRequest } from '@sanctum/storage-core/spi';

function wrapHandlers(wrap: (request: SubscribeRequest) => SubscribeRequest['handler']): StreamStore {
  const inner = createMemoryStreamStore();
  return {
    kind: 'stream',
    name: 'broken',
    capabilities: inner.capabilities,
    publish: (request) => inner.publish(request),
    subscribe: (request) => inner.subscribe({ ...request, handler: wrap(request) }),
    close: () => inner.close!(),
  };
}

/** Resolves as soon as the handler starts: acks before the work is done, never redelivers. */
export function acksBeforeHandlerResolves(): StreamStore {
  return wrapHandlers((request) => async (message) => {
    void Promise.resolve()
      .then(() => request.handler(message))
      .catch(() => undefined);
  });
}

/** Swallows handler failures: a failed message counts as handled. */
export function neverRedelivers(): StreamStore {
  return wrapHandlers((request) => async (message) => {
    try {
      await request.handler(message);
    } catch {
      // lost
    }
  });
}

/** On close, acks whatever is still in flight instead of releasing it: unacked work is lost. */
export function losesUnackedOnRestart(): StreamStore {
  const inner = createMemoryStreamStore();
  return {
    kind: 'stream',
    name: 'broken',
    capabilities: inner.capabilities,
    publish: (request) => inner.publish(request),
    async subscribe(request) {
      let closing!: () => void;
      const closed = new Promise<void>((resolve) => {
        closing = resolve;
      });
      const subscription = await inner.subscribe({ ...request, handler: (message) => Promise.race([request.handler(message), closed]) });
      return {
        group: subscription.group,
        consumer: subscription.consumer,
        close: async (options) => {
          closing();
          await subscription.close(options);
        },
      };
    },
    close: () => inner.close!(),
  };
}
