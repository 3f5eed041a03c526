import type { PublishReceipt, StreamPublishRequest } from '@sanctum/storage-core/spi';
import type { Message, Producer, RecordMetadata } from 'kafkajs';
import { abortedError, isAborted } from '../shared/abort.js';
import { Permits } from '../shared/permits.js';
import { validatePublish } from '@sanctum/storage-core/spi';
import { toKafkaMessage } from './codec.js';
import { KAFKA_ADAPTER, kafkaError, mapKafkaError } from './errors.js';
import { formatId } from './ids.js';
import type { PartitionTracker } from './partitioner.js';

const OPERATION = 'streams.publish';

/** `work`, or a rejection as soon as `signal` fires (then `work`'s own outcome is ignored). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
    // Fired while the permits were taken: the listener above will not run.
    if (signal.aborted) onAbort();
  });
}

/** Settings of a {@link KafkaPublisher}. */
export interface KafkaPublisherSettings {
  readonly maxPendingPublishes: number;
  readonly publishTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/**
 * Sends each publish as one produce request (acks from all in-sync replicas), bounded locally by a
 * FIFO permit pool: a publish that does not fit waits up to its deadline, then fails with
 * BACKPRESSURE. Receipts are `partition:offset`, from each partition's base offset.
 */
export class KafkaPublisher {
  readonly #producer: Producer;
  readonly #tracker: PartitionTracker;
  readonly #settings: KafkaPublisherSettings;
  readonly #permits: Permits;

  constructor(producer: Producer, tracker: PartitionTracker, settings: KafkaPublisherSettings) {
    this.#producer = producer;
    this.#tracker = tracker;
    this.#settings = settings;
    this.#permits = new Permits(settings.maxPendingPublishes);
  }

  async publish(request: StreamPublishRequest, topic: string): Promise<PublishReceipt[]> {
    const { namespace, messages, signal } = request;
    if (isAborted(signal)) throw abortedError(signal, OPERATION, namespace, KAFKA_ADAPTER);
    validatePublish(request, { operation: OPERATION, namespace, adapter: KAFKA_ADAPTER }, { maxBatch: this.#settings.maxPendingPublishes });
    const timeoutMs = request.timeoutMs ?? this.#settings.publishTimeoutMs;
    if (!(await this.#permits.acquire(messages.length, timeoutMs, signal))) {
      if (isAborted(signal)) throw abortedError(signal, OPERATION, namespace, KAFKA_ADAPTER);
      if (this.#permits.closed) throw kafkaError('UNAVAILABLE', 'the store was closed', OPERATION, namespace);
      throw kafkaError(
        'BACKPRESSURE',
        `no room to publish within ${String(timeoutMs)} ms: ${String(this.#settings.maxPendingPublishes)} messages are already being published`,
        OPERATION,
        namespace,
        { details: { timeoutMs } },
      );
    }
    try {
      const records = messages.map(toKafkaMessage);
      return await this.send(topic, records, namespace, OPERATION, signal);
    } finally {
      this.#permits.release(messages.length);
    }
  }

  /**
   * Produces `records` to `topic` (one request) and names each one's position. A fired `signal` ends
   * the call at once (kafkajs cannot withdraw a produce request: it may still be written, so the
   * outcome is unknown, and a later failure of it is dropped).
   */
  async send(topic: string, records: Message[], namespace: string, operation: string, signal?: AbortSignal): Promise<PublishReceipt[]> {
    this.#tracker.group(records);
    let metadata: RecordMetadata[];
    try {
      const sending = this.#producer.send({ topic, messages: records, acks: -1, timeout: this.#settings.requestTimeoutMs });
      metadata = signal === undefined ? await sending : await untilAborted(sending, signal);
    } catch (error) {
      if (isAborted(signal)) throw abortedError(signal, operation, namespace, KAFKA_ADAPTER);
      throw mapKafkaError(error, operation, namespace);
    }
    // Offsets stay far below 2^53 in practice; the receipts use plain numbers when they can.
    const next = new Map<number, number | bigint>();
    for (const entry of metadata) {
      const base = entry.baseOffset ?? entry.offset ?? '-1';
      next.set(entry.partition, base.length < 16 ? Number(base) : BigInt(base));
    }
    return records.map((record) => {
      const partition = this.#tracker.partitionOf(record);
      const offset = partition === undefined ? undefined : next.get(partition);
      if (partition === undefined || offset === undefined || offset < 0) {
        throw kafkaError('INTERNAL', 'the broker did not report where a message was written', operation, namespace);
      }
      next.set(partition, typeof offset === 'number' ? offset + 1 : offset + 1n);
      return { id: formatId(partition, String(offset)) };
    });
  }

  /** Turns away waiting publishers (UNAVAILABLE) and refuses new ones. */
  close(): void {
    this.#permits.close();
  }
}
