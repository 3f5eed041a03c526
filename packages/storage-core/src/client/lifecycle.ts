import { StorageError } from '../errors/index.js';
import type { AnyStore } from '../spi/index.js';

/**
 * Opens a store at most once, on first use, and closes it at most once. Concurrent first calls
 * share one `open()`; a failed open is retried by the next call; after close every call fails
 * with UNAVAILABLE.
 */
export class Lifecycle {
  #opened = false;
  #opening: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(
    readonly instanceName: string,
    readonly store: AnyStore,
  ) {}

  get isOpen(): boolean {
    return this.#opened && this.#closing === undefined;
  }

  open(): Promise<void> {
    if (this.#closing !== undefined) {
      return Promise.reject(
        new StorageError('UNAVAILABLE', `storage client is closed; adapter "${this.instanceName}" cannot be used any more`, {
          adapter: this.store.name,
          retryable: false,
        }),
      );
    }
    if (this.#opened) return Promise.resolve();
    this.#opening ??= (async () => {
      try {
        await this.store.open?.();
        this.#opened = true;
      } finally {
        this.#opening = undefined;
      }
    })();
    return this.#opening;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#opening?.catch(() => undefined);
      if (this.#opened) await this.store.close?.();
    })();
    return this.#closing;
  }
}

/**
 * A view of `store` whose listed methods open it first. Absent optional methods stay absent.
 * Synchronous methods (`SYNC_METHODS`) pass straight through: they register listeners and do no I/O.
 */
export function openOnUse<S extends AnyStore>(store: S, lifecycle: Lifecycle, methods: readonly string[]): S {
  const view: Record<string, unknown> = { kind: store.kind, name: store.name, capabilities: store.capabilities };
  for (const method of methods) {
    const fn = (store as unknown as Record<string, unknown>)[method];
    if (typeof fn !== 'function') continue;
    const bound = (fn as (...args: unknown[]) => Promise<unknown>).bind(store);
    view[method] = SYNC_METHODS.has(method)
      ? bound
      : (...args: unknown[]) => (lifecycle.isOpen ? bound(...args) : lifecycle.open().then(() => bound(...args)));
  }
  return view as S;
}

/** Methods that return at once (no promise) and must not wait for `open()`. */
const SYNC_METHODS: ReadonlySet<string> = new Set(['onInvalidation', 'peek']);

/** The operations of each kind that go through `openOnUse`. */
export const STORE_METHODS = {
  record: ['get', 'put', 'delete', 'list', 'getMany', 'putMany', 'deleteMany', 'transaction', 'spliceValue'],
  blob: ['put', 'get', 'head', 'delete', 'list', 'presign', 'replaceMetadata'],
  stream: ['publish', 'subscribe'],
  // `onInvalidation` must be here, or the cache layer never hears other clients' writes.
  cache: ['get', 'peek', 'set', 'delete', 'clear', 'publishInvalidation', 'onInvalidation'],
} as const;
