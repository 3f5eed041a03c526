import type { NamespacedRequest, StoreBase } from './store-base.js';

/** A message to publish. */
export interface OutgoingMessage {
  /** Partitioning / ordering key. */
  readonly key?: string;
  readonly payload: Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A message as a handler receives it. */
export interface StreamMessage {
  /** Backend id (Redis entry id, Kafka `partition:offset`); the dedupe key of the idempotent helper. */
  readonly id: string;
  readonly namespace: string;
  readonly key?: string;
  readonly payload: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly publishedAt: Date;
  /** 1 on first delivery; grows with every redelivery. */
  readonly deliveryCount: number;
}

export interface StreamPublishRequest extends NamespacedRequest {
  readonly messages: readonly OutgoingMessage[];
  /**
   * How long publish may wait for room when a bound is hit before failing with BACKPRESSURE.
   * Default: the adapter's own, never unbounded.
   */
  readonly timeoutMs?: number;
}

export interface PublishReceipt {
  readonly id: string;
}

/** Where a new group starts reading. Existing groups always resume from their durable cursor. */
export type StartPosition = 'earliest' | 'latest' | { readonly afterId: string } | { readonly fromTime: Date };

/** Resolves → ack. Throws or exceeds `ackTimeoutMs` → redelivery, up to `maxDeliveries`. */
export type MessageHandler = (message: StreamMessage) => Promise<void>;

export interface SubscribeRequest extends NamespacedRequest {
  /** Consumer group; its cursor is durable. */
  readonly group: string;
  /** This consumer's name within the group; defaults to a unique one. */
  readonly consumer?: string;
  readonly handler: MessageHandler;
  /** At most this many delivered-but-unacked messages at once for this consumer. */
  readonly maxInFlight: number;
  /** After this many failed deliveries, the message goes to the dead-letter stream. */
  readonly maxDeliveries: number;
  /**
   * A handler still running this long after delivery counts as failed: its `maxInFlight` slot is freed
   * at once, the message is redelivered (or dead-lettered after `maxDeliveries`), and the late result
   * of the first run is ignored.
   */
  readonly ackTimeoutMs: number;
  /** Where a group that has no cursor yet starts; absent means `'earliest'`. An existing group keeps its cursor. */
  readonly from?: StartPosition;
  /** Called for errors outside a handler (lost connection, dead-letter failure); never throws. */
  readonly onError?: (error: unknown) => void;
}

/** A running consumer. */
export interface Subscription {
  readonly group: string;
  readonly consumer: string;
  /**
   * Stops fetching, waits for in-flight handlers up to `timeoutMs`, acks what finished, releases the
   * rest for redelivery and disconnects. Idempotent.
   */
  close(options?: { readonly timeoutMs?: number }): Promise<void>;
}

/** Names shared by every adapter so dead letters look the same on every backend. */
export const DEAD_LETTER = {
  /** Appended to the namespace to name its dead-letter stream. */
  suffix: '.dead-letter',
  errorHeader: 'x-dead-letter-error',
  attemptsHeader: 'x-dead-letter-attempts',
  originalIdHeader: 'x-dead-letter-original-id',
} as const;

/** The dead-letter stream of a namespace. */
export function deadLetterNamespace(namespace: string): string {
  return namespace + DEAD_LETTER.suffix;
}

export interface StreamCapabilities {
  /** `from: { afterId }` for a new group. */
  readonly replayFromId: boolean;
  /** `from: { fromTime }` for a new group. */
  readonly replayFromTime: boolean;
  /** Order guaranteed to a group: `total` per stream, `per-key` (Kafka partitions), or `none`. */
  readonly ordering: 'total' | 'per-key' | 'none';
}

/** A stream adapter: at-least-once delivery with durable group cursors and bounded in-flight work. */
export interface StreamStore extends StoreBase<'stream', StreamCapabilities> {
  publish(request: StreamPublishRequest): Promise<PublishReceipt[]>;
  subscribe(request: SubscribeRequest): Promise<Subscription>;
}
