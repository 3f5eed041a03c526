import type { StreamMessage, SubscribeRequest, Subscription } from '@sanctum/storage-core/spi';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { backoffMs, sleep } from '../shared/abort.js';
import { runHandler } from '../shared/run-handler.js';
import { Slots } from '../shared/slots.js';
import { toStreamMessage } from './codec.js';
import { kafkaError, mapKafkaError } from './errors.js';
import { formatId, parseTimeFilter, timeFilterMetadata, type StartPlan } from './ids.js';
import type { ResolvedKafkaOptions } from './options.js';
import { BatchProgress, PartitionCommits } from './progress.js';

/** The errors of join attempts that ran out of time (as opposed to failing for a reason). */
const JOIN_TIMEOUTS = new WeakSet<object>();

/** What a subscription needs from its store. */
export interface KafkaSubscriptionContext {
  readonly kafka: Kafka;
  /** The store's admin client (connected on first use): group offsets and watermarks at subscribe/join. */
  readonly admin: () => Promise<Admin>;
  /** Writes a dead letter (with its headers) to the dead-letter topic. */
  readonly deadLetter: (message: StreamMessage, error: unknown, attempts: number) => Promise<void>;
  readonly topic: string;
  readonly consumer: string;
  readonly request: SubscribeRequest;
  readonly options: ResolvedKafkaOptions;
  readonly plan: StartPlan;
  readonly onClosed: () => void;
}

/** Watermarks of one partition. */
interface Watermarks {
  readonly low: string;
  readonly high: string;
}

/** Per-batch state shared by its deliveries. */
interface BatchState {
  /** Stop taking messages and stop retrying: the consumer closes, the partition was revoked or moved. */
  halted: boolean;
}

const CONSUME = 'streams.consume';

/**
 * The Kafka consumer group of `group` on `topic`. Kafka group ids are cluster-wide while a group of
 * the SPI belongs to one namespace (as on Redis, where groups live in their stream): without the
 * topic, subscriptions of one group name in two namespaces would share one Kafka group and its
 * partition assignment. `:` cannot occur in topic names, so the id is unambiguous.
 */
export function kafkaGroupId(topic: string, group: string): string {
  return `${topic}:${group}`;
}

/** Failures that no retry of a group join can fix. */
const PERMANENT: ReadonlySet<string> = new Set(['ACCESS_DENIED', 'UNSUPPORTED', 'INVALID_ARGUMENT', 'PAYLOAD_TOO_LARGE', 'CONFIG_INVALID']);

/**
 * One consumer of a Kafka consumer group (its own kafkajs consumer). Batches are handled with up to
 * `maxInFlight` concurrent handlers shared by all of the consumer's partitions; while every slot is
 * taken the batch does not advance, so kafkajs fetches no further for that partition (fetch sizing,
 * not an unbounded queue). A failing or timed-out handler is retried in place with a growing
 * `deliveryCount` until `maxDeliveries`, then the message goes to `<topic>.dead-letter`. Offsets are
 * committed only for the contiguous prefix of finished messages of each partition.
 */
export class KafkaSubscription implements Subscription {
  readonly group: string;
  readonly consumer: string;
  readonly #context: KafkaSubscriptionContext;
  readonly #request: SubscribeRequest;
  readonly #namespace: string;
  /** The Kafka group id: scoped by topic, since Kafka group ids are cluster-wide. */
  readonly #groupId: string;
  readonly #slots: Slots;
  readonly #stop = new AbortController();
  readonly #abandon = new AbortController();
  readonly #abandoned = new Promise<void>((resolve) => this.#abandon.signal.addEventListener('abort', () => resolve(), { once: true }));
  readonly #timeFilters = new Map<number, number>();
  /** Per partition: its commits, which outlive a batch (a batch does not wait for its own). */
  readonly #commits = new Map<number, PartitionCommits>();
  #kafkaConsumer: Consumer | undefined;
  #positioning: Promise<void> = Promise.resolve();
  #assigned: readonly number[] = [];
  #newGroup = false;
  #watermarks = new Map<number, Watermarks>();
  #running = 0;
  #idle: (() => void) | undefined;
  #closing: Promise<void> | undefined;
  #recovering: Promise<void> = Promise.resolve();

  constructor(context: KafkaSubscriptionContext) {
    this.#context = context;
    this.#request = context.request;
    this.#namespace = context.request.namespace;
    this.group = context.request.group;
    this.#groupId = kafkaGroupId(context.topic, context.request.group);
    this.consumer = context.consumer;
    this.#slots = new Slots(context.request.maxInFlight);
  }

  /** Joins the group and returns once this consumer has its partitions and their start positions. */
  async start(): Promise<void> {
    try {
      await this.#inspectGroup();
      await this.#joinUntil(Date.now() + this.#context.options.joinTimeoutMs);
    } catch (error) {
      this.#stop.abort();
      throw mapKafkaError(error, 'streams.subscribe', this.#namespace);
    }
  }

  /** Starts consumers until one joins, retrying failures that may pass, until `deadline`. */
  async #joinUntil(deadline: number): Promise<void> {
    const attempt = () =>
      this.#startConsumer(deadline).then(
        () => undefined,
        (error: unknown) => ({ error }),
      );
    let previous: { error: unknown } | undefined;
    for (let failure = await attempt(), tries = 1; failure !== undefined; failure = await attempt(), tries += 1) {
      // An attempt that ran out of time after earlier ones failed for a reason: that reason is the
      // answer (a crash on every try is not "did not join in time").
      if (previous !== undefined && JOIN_TIMEOUTS.has(failure.error as object)) throw previous.error;
      previous = failure;
      const code = mapKafkaError(failure.error, 'streams.subscribe', this.#namespace).code;
      const wait = 200 + backoffMs(tries);
      if (this.#stop.signal.aborted || PERMANENT.has(code) || Date.now() + wait >= deadline) throw failure.error;
      await sleep(wait, this.#stop.signal);
    }
  }

  /** One kafkajs consumer: connect, subscribe, run, and wait for its first join and positions. */
  async #startConsumer(deadline: number): Promise<void> {
    const { kafka, topic, options } = this.#context;
    const consumer = kafka.consumer({
      groupId: this.#groupId,
      sessionTimeout: options.sessionTimeoutMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      maxWaitTimeInMs: options.maxWaitTimeMs,
      maxBytesPerPartition: options.maxBytesPerPartition,
      allowAutoTopicCreation: true,
      retry: { retries: options.retries },
    });
    this.#kafkaConsumer = consumer;
    let started = false;
    let joined!: () => void;
    let failed!: (error: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      joined = resolve;
      failed = reject;
    });
    // Settled by events that may fire before it is awaited.
    ready.catch(() => undefined);
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const partitions = event.payload.memberAssignment[topic] ?? [];
      this.#assigned = partitions;
      this.#positioning = this.#position(consumer, partitions);
      this.#positioning.then(joined, failed);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      const error = mapKafkaError(event.payload.error, CONSUME, this.#namespace);
      this.#report(error);
      if (!started) failed(error);
      // kafkajs restarts after retriable errors itself and gives up on the others: then we do.
      else if (event.payload.restart !== true) this.#recover(consumer);
    });
    const timer = setTimeout(() => {
      const error = kafkaError('UNAVAILABLE', `the consumer did not join group ${this.#groupId} within ${String(options.joinTimeoutMs)} ms`, 'streams.subscribe', this.#namespace);
      JOIN_TIMEOUTS.add(error);
      failed(error);
    }, Math.max(0, deadline - Date.now()));
    const onStop = () => failed(kafkaError('UNAVAILABLE', 'the subscription was closed', 'streams.subscribe', this.#namespace));
    this.#stop.signal.addEventListener('abort', onStop, { once: true });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
        eachBatch: (payload) => this.#batch(payload),
      });
      await ready;
      started = true;
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
      this.#stop.signal.removeEventListener('abort', onStop);
    }
  }

  /** Replaces a consumer kafkajs gave up on with a new one, until that joins or we close. */
  #recover(crashed: Consumer): void {
    if (this.#stop.signal.aborted || crashed !== this.#kafkaConsumer) return;
    this.#recovering = (async () => {
      while (!this.#stop.signal.aborted) {
        try {
          await this.#joinUntil(Date.now() + this.#context.options.joinTimeoutMs);
          return;
        } catch (error) {
          this.#report(mapKafkaError(error, 'streams.subscribe', this.#namespace));
        }
      }
    })();
  }

  close(options?: { readonly timeoutMs?: number }): Promise<void> {
    this.#closing ??= this.#shutDown(options?.timeoutMs ?? this.#context.options.closeTimeoutMs);
    return this.#closing;
  }

  /** A group with no committed offset on the topic is new: its `from` decides where it starts. */
  async #inspectGroup(): Promise<void> {
    const { topic } = this.#context;
    const admin = await this.#context.admin();
    const [committed] = await admin.fetchOffsets({ groupId: this.#groupId, topics: [topic] });
    this.#newGroup = (committed?.partitions ?? []).every((partition) => partition.offset === '-1');
    if (!this.#newGroup) return;
    const offsets = await admin.fetchTopicOffsets(topic);
    this.#watermarks = new Map(offsets.map((entry) => [entry.partition, { low: entry.low, high: entry.high }]));
  }

  /**
   * After each join: a partition the group never committed gets its start position (when the group
   * is new), committed at once so the cursor is durable; a committed `fromTime` filter is picked up.
   */
  async #position(consumer: Consumer, partitions: readonly number[]): Promise<void> {
    const { topic } = this.#context;
    const admin = await this.#context.admin();
    const [committed] = await admin.fetchOffsets({ groupId: this.#groupId, topics: [topic] });
    const known = new Map((committed?.partitions ?? []).map((entry) => [entry.partition, entry]));
    const commits: { topic: string; partition: number; offset: string; metadata: string | null }[] = [];
    for (const partition of partitions) {
      const entry = known.get(partition);
      if (entry === undefined || entry.offset === '-1') {
        if (!this.#newGroup) continue; // an existing group reads a partition it never committed from the start
        const offset = this.#startOffset(partition);
        const plan = this.#context.plan;
        const metadata = plan.kind === 'time' ? timeFilterMetadata(plan.time) : null;
        if (plan.kind === 'time') this.#timeFilters.set(partition, plan.time);
        consumer.seek({ topic, partition, offset });
        commits.push({ topic, partition, offset, metadata });
      } else {
        const filter = parseTimeFilter(entry.metadata);
        if (filter === undefined) this.#timeFilters.delete(partition);
        else this.#timeFilters.set(partition, filter);
      }
    }
    if (commits.length > 0) await consumer.commitOffsets(commits);
  }

  #startOffset(partition: number): string {
    const plan = this.#context.plan;
    const marks = this.#watermarks.get(partition);
    if (plan.kind === 'latest') return marks?.high ?? '0';
    if (plan.kind === 'after') {
      const after = plan.positions.get(partition);
      if (after !== undefined) return after;
    }
    return marks?.low ?? '0';
  }

  async #batch(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale, heartbeat } = payload;
    try {
      await this.#positioning;
    } catch (error) {
      // Without start positions this partition must not be read: report, and try again next batch.
      this.#report(mapKafkaError(error, 'streams.subscribe', this.#namespace));
      const consumer = this.#kafkaConsumer;
      if (consumer !== undefined) {
        const retry = this.#position(consumer, this.#assigned);
        retry.catch(() => undefined);
        this.#positioning = retry;
      }
      await sleep(100, this.#stop.signal);
      return;
    }
    if (this.#stop.signal.aborted || !isRunning() || isStale() || batch.messages.length === 0) return;
    const { partition } = batch;
    const state: BatchState = { halted: false };
    const progress = new BatchProgress(batch.messages.map((record) => record.offset));
    const commits = this.#commitsOf(partition);
    // While the batch runs, finished progress is committed at most every `commitIntervalMs`.
    const soon = () => {
      const offset = progress.commitOffset;
      if (offset !== undefined && Date.now() - commits.lastStarted >= this.#context.options.commitIntervalMs) void commits.request(offset);
    };
    const beat = setInterval(() => {
      heartbeat().catch(() => {
        // A rebalance is under way: finish what runs, commit it, and let kafkajs rejoin.
        state.halted = true;
      });
    }, this.#context.options.heartbeatIntervalMs);
    const tasks: Promise<void>[] = [];
    try {
      let filter = this.#timeFilters.get(partition);
      for (const [index, record] of batch.messages.entries()) {
        if (this.#halted(state) || !isRunning() || isStale()) break;
        if (filter !== undefined) {
          if (Number(record.timestamp) < filter) {
            if (progress.complete(index)) soon();
            continue;
          }
          filter = undefined;
          this.#timeFilters.delete(partition);
        }
        if (!(await this.#slots.acquire())) break;
        if (this.#halted(state) || isStale()) {
          this.#slots.release();
          break;
        }
        tasks.push(this.#deliver(record, partition, index, progress, state, soon));
      }
      await this.#settle(tasks);
    } finally {
      clearInterval(beat);
    }
    // Cut short (a rebalance is under way, or the subscription closes): the commit must land before the
    // partition moves on. Otherwise the next fetch need not wait for it (one commit round trip less
    // per fetch); the partition's commits stay in order, and close waits for them.
    const cutShort = this.#halted(state) || !isRunning() || isStale();
    state.halted = true;
    const lastDone = progress.lastDone;
    if (lastDone !== undefined) payload.resolveOffset(lastDone);
    const offset = progress.commitOffset;
    if (offset !== undefined) {
      const committing = commits.request(offset);
      if (cutShort) await committing;
    }
  }

  #halted(state: BatchState): boolean {
    return state.halted || this.#stop.signal.aborted;
  }

  /** The commits of `partition` (created on first use). */
  #commitsOf(partition: number): PartitionCommits {
    let commits = this.#commits.get(partition);
    if (commits === undefined) {
      const { topic } = this.#context;
      commits = new PartitionCommits(async (offset) => {
        try {
          // A pending fromTime filter travels with the offset, so whoever resumes keeps applying it.
          const time = this.#timeFilters.get(partition);
          const metadata = time === undefined ? null : timeFilterMetadata(time);
          await this.#kafkaConsumer?.commitOffsets([{ topic, partition, offset, metadata }]);
          return true;
        } catch (error) {
          // Not committed: these messages come back after a restart or rebalance (duplicates, never losses).
          this.#report(mapKafkaError(error, 'streams.commit', this.#namespace));
          return false;
        }
      });
      this.#commits.set(partition, commits);
    }
    return commits;
  }

  /** Runs one message to its end: handled, dead-lettered, or left for redelivery when halted. */
  async #deliver(record: KafkaMessage, partition: number, index: number, progress: BatchProgress, state: BatchState, advanced: () => void): Promise<void> {
    this.#running += 1;
    const id = formatId(partition, record.offset);
    const { handler, ackTimeoutMs, maxDeliveries } = this.#request;
    try {
      for (let deliveryCount = 1; ; deliveryCount += 1) {
        const message = toStreamMessage(this.#namespace, id, record, deliveryCount);
        const { error } = await runHandler(handler, message, ackTimeoutMs, () =>
          kafkaError('TIMEOUT', `handler did not finish within ${String(ackTimeoutMs)} ms`, CONSUME, this.#namespace),
        );
        if (this.#abandon.signal.aborted) return;
        if (error === undefined || (deliveryCount >= maxDeliveries && (await this.#deadLetter(message, error, deliveryCount, state)))) {
          if (progress.complete(index)) advanced();
          return;
        }
        if (deliveryCount >= maxDeliveries || this.#halted(state)) return;
      }
    } finally {
      this.#running -= 1;
      this.#slots.release();
      if (this.#running === 0) this.#idle?.();
    }
  }

  /** Writes the dead letter, retrying with backoff until it lands or the batch halts. */
  async #deadLetter(message: StreamMessage, error: unknown, attempts: number, state: BatchState): Promise<boolean> {
    for (let attempt = 0; !(await this.#tryDeadLetter(message, error, attempts)); attempt += 1) {
      if (this.#halted(state) || this.#abandon.signal.aborted) return false;
      await sleep(100 + backoffMs(attempt), this.#abandon.signal);
    }
    return true;
  }

  async #tryDeadLetter(message: StreamMessage, error: unknown, attempts: number): Promise<boolean> {
    try {
      await this.#context.deadLetter(message, error, attempts);
      return true;
    } catch (cause) {
      this.#report(mapKafkaError(cause, 'streams.deadLetter', this.#namespace));
      return false;
    }
  }

  /** Waits for `tasks`, or until close gives up on them. */
  async #settle(tasks: readonly Promise<void>[]): Promise<void> {
    await Promise.race([Promise.all(tasks), this.#abandoned]);
  }

  async #shutDown(timeoutMs: number): Promise<void> {
    this.#stop.abort();
    this.#slots.stop();
    if (this.#running > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#idle = undefined;
    }
    // Handlers still running now are released: their messages were not committed and come back.
    this.#abandon.abort();
    // Commits that batches left running land before the consumer leaves its group.
    await Promise.all([...this.#commits.values()].map((commits) => commits.settled()));
    await this.#kafkaConsumer?.disconnect().catch((error: unknown) => this.#report(mapKafkaError(error, 'streams.close', this.#namespace)));
    // A recovery under way stops at the aborted signal; its consumer, if it got one, goes too.
    await this.#recovering;
    await this.#kafkaConsumer?.disconnect().catch(() => undefined);
    this.#context.onClosed();
  }

  #report(error: unknown): void {
    try {
      this.#request.onError?.(error);
    } catch {
      // onError must never break delivery.
    }
  }
}
