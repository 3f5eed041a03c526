import type { Subscription } from '@sanctum/storage-core';
import type { MessageHandler, StreamMessage, StreamStore, SubscribeRequest } from '@sanctum/storage-core/spi';
import { token } from '../support/ids.js';
import { sleep, waitFor } from '../support/time.js';
import type { ResolvedStreamOptions } from './stream-contract.js';

/** A promise a handler can block on until the test (or its teardown) opens it. */
export interface Gate {
  readonly wait: Promise<void>;
  open(): void;
}

/** What a subscribe in a stream test may leave out; the harness fills safe defaults. */
export type TestSubscribe = Partial<Omit<SubscribeRequest, 'handler'>> & { readonly handler: MessageHandler };

/** The message payload of index `i`: `{"i":i}` as UTF-8. */
export function payloadOf(i: number): Uint8Array {
  return new Uint8Array(Buffer.from(JSON.stringify({ i }), 'utf8'));
}

/** The index a test message carries. */
export function indexOf(message: StreamMessage): number {
  const parsed = JSON.parse(Buffer.from(message.payload).toString('utf8')) as { i?: unknown };
  if (typeof parsed.i !== 'number') throw new Error(`not a message of this test: ${Buffer.from(message.payload).toString('utf8')}`);
  return parsed.i;
}

/**
 * Per-test helpers: publishing numbered messages, subscriptions that are always closed at the end,
 * gates for handlers that must hang, and waits bounded by the suite's timeouts.
 */
export class StreamHarness {
  readonly store: StreamStore;
  readonly namespace: string;
  readonly options: ResolvedStreamOptions;
  readonly #subscriptions: Subscription[] = [];
  readonly #gates: Gate[] = [];

  constructor(store: StreamStore, namespace: string, options: ResolvedStreamOptions) {
    this.store = store;
    this.namespace = namespace;
    this.options = options;
  }

  /** Publishes messages `{"i": n}` for each index, in one batch; returns their ids. */
  async publish(
    indices: readonly number[],
    extra: { readonly key?: (i: number) => string; readonly headers?: (i: number) => Record<string, string> } = {},
  ): Promise<string[]> {
    const receipts = await this.store.publish({
      namespace: this.namespace,
      messages: indices.map((i) => ({
        payload: payloadOf(i),
        ...(extra.key === undefined ? {} : { key: extra.key(i) }),
        ...(extra.headers === undefined ? {} : { headers: extra.headers(i) }),
      })),
    });
    return receipts.map((receipt) => receipt.id);
  }

  /** Subscribes with defaults (a random group, maxInFlight 16, maxDeliveries 5, a long ackTimeout). */
  async subscribe(request: TestSubscribe): Promise<Subscription> {
    const subscription = await this.store.subscribe({
      namespace: this.namespace,
      group: `g-${token()}`,
      maxInFlight: 16,
      maxDeliveries: 5,
      ackTimeoutMs: 30_000,
      ...request,
    });
    this.#subscriptions.push(subscription);
    return subscription;
  }

  gate(): Gate {
    let open!: () => void;
    const wait = new Promise<void>((resolve) => {
      open = resolve;
    });
    const gate = { wait, open };
    this.#gates.push(gate);
    return gate;
  }

  waitFor(condition: () => boolean, description: string, timeoutMs = this.options.timeoutMs): Promise<void> {
    return waitFor(condition, timeoutMs, description);
  }

  /** Waits long enough for unexpected deliveries to show up. */
  settle(): Promise<void> {
    return sleep(this.options.settleMs);
  }

  /** Opens every gate and closes every subscription (before the store is closed). */
  async teardown(): Promise<void> {
    for (const gate of this.#gates) gate.open();
    await Promise.allSettled(this.#subscriptions.map((subscription) => subscription.close({ timeoutMs: this.options.closeTimeoutMs })));
  }
}
