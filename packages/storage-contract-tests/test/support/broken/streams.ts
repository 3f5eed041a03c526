import { createMemoryStreamStore, type StreamStore, type SubscribeRequest, type Subscription } from '@sanctum/storage-core';
import { quietly } from './shared.js';

function wrapHandlers(wrap: (request: SubscribeRequest) => SubscribeRequest['handler']): StreamStore {
  const inner = createMemoryStreamStore();
  return {
    kind: 'stream',
    name: 'broken',
    capabilities: inner.capabilities,
    publish: (request) => inner.publish(request),
    // A non-function handler is passed on as it is, so the inner store still refuses it.
    subscribe: (request) => inner.subscribe(typeof request.handler === 'function' ? { ...request, handler: wrap(request) } : request),
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
      const handler = request.handler;
      const subscription = await inner.subscribe(
        typeof handler === 'function' ? { ...request, handler: (message) => Promise.race([handler(message), closed]) } : request,
      );
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

/** A memory stream store with its own `subscribe` (and, when `swallowBadPublish`, a publish that accepts bad input). */
function withSubscribe(subscribe: (inner: StreamStore, request: SubscribeRequest) => Promise<Subscription>, swallowBadPublish = false): StreamStore {
  const inner = createMemoryStreamStore();
  return {
    kind: 'stream',
    name: 'broken',
    capabilities: inner.capabilities,
    publish: (request) => (swallowBadPublish ? quietly(() => inner.publish(request), []) : inner.publish(request)),
    subscribe: (request) => subscribe(inner, request),
    close: () => inner.close!(),
  };
}

/** Answers bad input with a made-up success instead of INVALID_ARGUMENT: the silent acceptance. */
export function swallowsInvalidInput(): StreamStore {
  return withSubscribe((inner, request) => quietly(() => inner.subscribe(request), { group: String(request.group), consumer: 'accepted', close: async () => undefined }), true);
}

/** Ignores close's `timeoutMs`: waits for running handlers however long they take. */
export function closeIgnoresTimeout(): StreamStore {
  return withSubscribe(async (inner, request) => {
    const subscription = await inner.subscribe(request);
    return { group: subscription.group, consumer: subscription.consumer, close: () => subscription.close({ timeoutMs: 2 ** 31 - 1 }) };
  });
}
