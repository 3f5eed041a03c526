import type { CacheStore } from '../../src/spi/index.js';

/** An in-process stand-in for Redis pub/sub: caches attached to one bus hear each other's purges. */
export interface InvalidationBus {
  /** `cache` with `publishInvalidation` / `onInvalidation` wired to this bus. */
  attach<C extends CacheStore>(cache: C): C;
  /** Resolves once every message published so far has been delivered. */
  flush(): Promise<void>;
  /** Listeners currently subscribed. */
  readonly listeners: number;
}

export function createInvalidationBus(): InvalidationBus {
  const listeners = new Set<(keys: readonly string[]) => void>();
  let pending: Promise<void> = Promise.resolve();
  return {
    attach(cache) {
      return Object.assign(cache, {
        publishInvalidation(keys: readonly string[]) {
          const copy = [...keys];
          // Delivered later, like a network hop; to every subscriber (Redis echoes to the publisher too).
          pending = pending.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => {
            for (const listener of listeners) listener(copy);
          });
          return Promise.resolve();
        },
        onInvalidation(listener: (keys: readonly string[]) => void) {
          listeners.add(listener);
          return () => void listeners.delete(listener);
        },
      });
    },
    flush: () => pending,
    get listeners() {
      return listeners.size;
    },
  };
}
