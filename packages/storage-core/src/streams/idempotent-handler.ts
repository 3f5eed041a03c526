import type { CacheStore } from '../spi/index.js';

/** Options of {@link idempotentHandler}. */
export interface IdempotentHandlerOptions {
  /** How long a handled id is remembered. @default 86_400_000 (one day) */
  readonly ttlMs?: number;
  /**
   * Where handled ids are remembered. A shared cache (Redis) dedupes across processes; absent, ids
   * are remembered in this process only (bounded by `maxEntries`).
   */
  readonly store?: CacheStore;
  /** Bound of the in-process memory. @default 100_000 */
  readonly maxEntries?: number;
  /** Dedupe key of a message. @default the message id */
  readonly keyOf?: (message: { readonly id: string }) => string;
  /** Clock in epoch ms. @default Date.now */
  readonly now?: () => number;
}

/**
 * Wraps an at-least-once handler so each message id is handled once while remembered. An id counts
 * as handled only after the handler resolved; a failure leaves it free for the redelivery, and a
 * duplicate arriving while the first copy runs waits for that outcome instead of running twice.
 */
export function idempotentHandler<M extends { readonly id: string }>(
  handler: (message: M) => Promise<void>,
  options: IdempotentHandlerOptions = {},
): (message: M) => Promise<void> {
  const ttlMs = options.ttlMs ?? 86_400_000;
  const maxEntries = options.maxEntries ?? 100_000;
  const keyOf = options.keyOf ?? ((message) => message.id);
  const now = options.now ?? Date.now;
  const store = options.store;
  const handled = new Map<string, number>();
  const running = new Map<string, Promise<void>>();

  async function seen(key: string): Promise<boolean> {
    if (store !== undefined) return (await store.get(`idempotent\u0000${key}`)) !== undefined;
    const until = handled.get(key);
    if (until === undefined) return false;
    if (until > now()) return true;
    handled.delete(key);
    return false;
  }

  async function remember(key: string): Promise<void> {
    if (store !== undefined) {
      await store.set(`idempotent\u0000${key}`, { value: true, version: 1, etag: key, storedAt: now() }, ttlMs);
      return;
    }
    handled.set(key, now() + ttlMs);
    if (handled.size > maxEntries) handled.delete(handled.keys().next().value!);
  }

  return (message) => {
    const key = keyOf(message);
    const inFlight = running.get(key);
    if (inFlight !== undefined) return inFlight;
    // Registered before the first await, so a concurrent duplicate always finds it.
    const run = (async () => {
      if (await seen(key)) return;
      await handler(message);
      await remember(key);
    })().finally(() => running.delete(key));
    running.set(key, run);
    return run;
  };
}
