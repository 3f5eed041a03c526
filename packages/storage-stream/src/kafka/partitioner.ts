import type { ICustomPartitioner, Message, PartitionerArgs } from 'kafkajs';

/** The keyed partitioner kafkajs uses by default (Java-compatible murmur2). */
export type KeyedPartitioner = (args: PartitionerArgs) => number;

// State kept on our own message objects (cheaper than WeakMaps on the publish path).
const CHOSEN = Symbol('partition');
const BATCH = Symbol('batch');

interface Tracked extends Message {
  [CHOSEN]?: number;
  [BATCH]?: { partition?: number };
}

/**
 * Tracks the partition chosen for each message of a publish, so receipts can name `partition:offset`
 * and a retried send reuses the same partitions. Keyed messages hash like the Java client; keyless
 * messages of one publish call all go to one partition (round-robin across calls, like Kafka's sticky
 * partitioner), so a batch stays in order and one `afterId` position covers it.
 */
export class PartitionTracker {
  #next = 0;

  /** Marks `messages` as one publish call. */
  group(messages: readonly Message[]): void {
    const batch = {};
    for (const message of messages) if (message.key === undefined || message.key === null) (message as Tracked)[BATCH] = batch;
  }

  /** The partition `message` went to (after the send). */
  partitionOf(message: Message): number | undefined {
    return (message as Tracked)[CHOSEN];
  }

  /** A kafkajs `createPartitioner` that delegates keyed messages to `keyed`. */
  partitioner(keyed: () => KeyedPartitioner): ICustomPartitioner {
    return () => {
      const byKey = keyed();
      return (args) => {
        const message = args.message as Tracked;
        const known = message[CHOSEN];
        if (known !== undefined && args.partitionMetadata.some((p) => p.partitionId === known)) return known;
        const partition = this.#choose(args, byKey);
        message[CHOSEN] = partition;
        return partition;
      };
    };
  }

  #choose(args: PartitionerArgs, byKey: KeyedPartitioner): number {
    const batch = (args.message as Tracked)[BATCH];
    if (batch === undefined) return byKey(args);
    if (batch.partition !== undefined) return batch.partition;
    const live = args.partitionMetadata.filter((p) => p.leader >= 0);
    const candidates = (live.length > 0 ? live : args.partitionMetadata).map((p) => p.partitionId).sort((a, b) => a - b);
    batch.partition = candidates[this.#next++ % candidates.length] as number;
    return batch.partition;
  }
}
