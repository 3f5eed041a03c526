import type { MessageHandler, StreamMessage } from '@sanctum/storage-core/spi';

/** How one handler invocation ended. `error` undefined = resolved in time. */
export interface HandlerOutcome {
  readonly error: unknown;
}

const RESOLVED: HandlerOutcome = Object.freeze({ error: undefined });

/**
 * Runs `handler` once and settles on whichever comes first: its outcome or `ackTimeoutMs`. A handler
 * still running at the deadline counts as failed (the message is redelivered); whatever it does later
 * is ignored. `timeoutError` builds the error reported for a missed deadline.
 */
export function runHandler(
  handler: MessageHandler,
  message: StreamMessage,
  ackTimeoutMs: number,
  timeoutError: () => unknown,
): Promise<HandlerOutcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ error: timeoutError() }), ackTimeoutMs);
    // A hung handler must not keep the process alive; subscriptions are closed explicitly.
    timer.unref();
    Promise.resolve()
      .then(() => handler(message))
      .then(
        () => {
          clearTimeout(timer);
          resolve(RESOLVED);
        },
        (error: unknown) => {
          clearTimeout(timer);
          resolve({ error: error ?? new Error('handler rejected') });
        },
      );
  });
}
