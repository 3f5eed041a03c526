import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEAD_LETTER } from '@sanctum/storage-core';
import type { SubscribeRequest } from '@sanctum/storage-core/spi';
import type { KafkaStreamStoreOptions } from '../../../src/kafka/index.js';
import { fakeKafkaStore, fakeScript, kafkaSubscribeRequest, type FakeConsumer, type FakeKafkaScript } from '../../support/fake-kafka.js';

// Pins the Kafka subscription's delivery and commit path against the fake kafkajs: which offsets are
// committed, when and with what metadata (a pending fromTime filter), retries and dead letters of a
// failing message, and what a closing subscription still does with the work it gave up on.

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(2);
  }
}

/** A promise and the function that resolves it. */
function gate(): { readonly wait: Promise<void>; readonly open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

const connectionError = () => Object.assign(new Error('broker down'), { name: 'KafkaJSConnectionError' });

/** A subscription of a one-partition topic on a fake cluster, and the commits made after it joined. */
async function subscribed(
  overrides: Partial<SubscribeRequest> & Pick<SubscribeRequest, 'handler'>,
  options: Partial<KafkaStreamStoreOptions> = {},
  script: FakeKafkaScript = fakeScript({ partitions: 1 }),
) {
  const { store, kafka } = fakeKafkaStore(script, options);
  const subscription = await store.subscribe(kafkaSubscribeRequest(overrides));
  const consumer: FakeConsumer = kafka().consumers.at(-1)!;
  const positioned = consumer.commits.length;
  const commits = () => consumer.commits.slice(positioned).map((c) => c.offset);
  return { store, kafka, script, subscription, consumer, commits };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Kafka offset commits', () => {
  it('commits each finished prefix once, in order, across batches', async () => {
    const { script, subscription, consumer, commits } = await subscribed({ handler: async () => void (await sleep(5)) });
    // The first commit stays on the wire while the batch ends and asks for the same offset again.
    const wire = gate();
    script.commitGate = wire.wait;
    await consumer.batch(0, [{}]).done;
    wire.open();
    script.commitGate = undefined;
    await consumer.batch(0, [{ offset: '1' }]).done;
    await subscription.close();
    expect(commits()).toEqual(['1', '2']);
  });

  it('commits asked for while one is on the wire wait their turn and coalesce into the newest', async () => {
    const { script, subscription, consumer, commits } = await subscribed({ handler: async () => undefined });
    const wire = gate();
    script.commitGate = wire.wait;
    // Each batch ends without waiting for its commit: three batches, while the first commit hangs.
    await consumer.batch(0, [{ offset: '0' }]).done;
    await consumer.batch(0, [{ offset: '1' }]).done;
    await consumer.batch(0, [{ offset: '2' }]).done;
    expect(commits()).toEqual([]);
    wire.open();
    await subscription.close();
    expect(commits()).toEqual(['1', '3']);
  });

  it('while a batch runs, commits its progress at most every commitIntervalMs', async () => {
    const { subscription, consumer, commits } = await subscribed({ maxInFlight: 1, handler: async () => void (await sleep(5)) }, { commitIntervalMs: 60_000 });
    await consumer.batch(0, [{ offset: '0' }, { offset: '1' }, { offset: '2' }]).done;
    await subscription.close();
    expect(commits()).toEqual(['3']);
  });

  it('reports a failed commit as streams.commit and commits the same progress when it is asked again', async () => {
    const errors: unknown[] = [];
    const { script, subscription, consumer, commits } = await subscribed({ handler: async () => undefined, onError: (error) => errors.push(error) });
    script.commitError = connectionError();
    await consumer.batch(0, [{}]).done;
    await waitFor(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ code: 'UNAVAILABLE', operation: 'streams.commit' });
    expect(commits()).toEqual([]);
    // Not committed: the message comes again, and this time its offset is committed.
    script.commitError = undefined;
    await consumer.batch(0, [{}]).done;
    await subscription.close();
    expect(commits()).toEqual(['1']);
  });

  it('a commit waiting its turn is not lost when a later batch of the partition ends with nothing finished', async () => {
    const started = gate();
    const held = gate();
    const { script, subscription, consumer, commits } = await subscribed({
      maxInFlight: 1,
      handler: async (m) => {
        if (m.id !== '0:2') return sleep(5);
        started.open();
        return held.wait;
      },
    });
    const wire = gate();
    script.commitGate = wire.wait;
    // Commits 1 (on the wire, held) and 2 (waiting its turn).
    await consumer.batch(0, [{ offset: '0' }, { offset: '1' }]).done;
    // The next batch's only message still runs when close gives up on it (after 50 ms).
    const running = consumer.batch(0, [{ offset: '2' }]);
    await started.wait;
    const closing = subscription.close({ timeoutMs: 50 });
    await sleep(100);
    expect(running.resolved).toEqual([]);
    wire.open();
    await closing;
    await running.done;
    expect(commits()).toEqual(['1', '2']);
    held.open();
  });

  it('reports a failed positioning as streams.subscribe and reads nothing until positions are known', async () => {
    const errors: unknown[] = [];
    const seen: string[] = [];
    const { script, subscription, consumer } = await subscribed({ handler: async (m) => void seen.push(m.id), onError: (error) => errors.push(error) });
    script.failPositioning = 1;
    consumer.join([0]);
    await consumer.batch(0, [{}]).done;
    expect(seen).toEqual([]);
    expect(errors).toEqual([expect.objectContaining({ code: 'UNAVAILABLE', operation: 'streams.subscribe' })]);
    await subscription.close();
  });

  it('stops heartbeating when a batch ends', async () => {
    const { subscription, consumer } = await subscribed({ handler: async () => void (await sleep(30)) }, { heartbeatIntervalMs: 5 });
    let beats = 0;
    await consumer.batch(0, [{}], { heartbeat: async () => void (beats += 1) }).done;
    expect(beats).toBeGreaterThan(0);
    const after = beats;
    await sleep(40);
    expect(beats).toBe(after);
    await subscription.close();
  });
});

describe('Kafka fromTime filter', () => {
  it('skips messages older than fromTime until the first one at or after it, and commits the pending filter with the offset', async () => {
    const time = 1_700_000_000_000;
    const at = (offset: number, timestamp: number) => ({ offset: String(offset), timestamp: String(timestamp) });
    const seen: string[] = [];
    const started = gate();
    const held = gate();
    const { subscription, consumer } = await subscribed({
      from: { fromTime: new Date(time) },
      handler: async (m) => {
        seen.push(m.id);
        if (m.id === '0:3') {
          started.open();
          await held.wait;
        }
      },
    });
    const metadata = `sanctum:from-time=${String(time)}`;
    const positioned = consumer.commits.length;
    expect(consumer.commits.at(-1)).toMatchObject({ partition: 0, offset: '0', metadata });

    // Only older messages: nothing runs, and the commit keeps the filter for whoever resumes.
    await consumer.batch(0, [at(0, time - 2), at(1, time - 1)]).done;
    await waitFor(() => consumer.commits.some((c) => c.offset === '2'));
    expect(seen).toEqual([]);
    const skipped = consumer.commits.slice(positioned);
    expect(skipped.at(-1)?.offset).toBe('2');
    expect(skipped.every((c) => c.metadata === metadata)).toBe(true);
    const mark = consumer.commits.length;

    // The first message at fromTime ends the filter: later ones run whatever their timestamp.
    await sleep(5);
    const batch = consumer.batch(0, [at(2, time - 1), at(3, time), at(4, time - 5)]);
    await started.wait;
    // The skipped message was committed while 3 still runs.
    await waitFor(() => consumer.commits.some((c) => c.offset === '3'));
    held.open();
    await batch.done;
    await subscription.close();
    expect(seen).toEqual(['0:3', '0:4']);
    // Committed once the filter ended: plain offsets (3 while 3 ran, maybe 4, then 5).
    const later = consumer.commits.slice(mark);
    expect(later[0]?.offset).toBe('3');
    expect(later.at(-1)?.offset).toBe('5');
    expect(later.every((c) => c.metadata === null)).toBe(true);
  });
});

describe('Kafka retries and dead letters', () => {
  it('reruns a failing message with a growing delivery count, then dead-letters it with its attempts', async () => {
    const counts: number[] = [];
    const { kafka, subscription, consumer, commits } = await subscribed({
      maxDeliveries: 3,
      handler: async (m) => {
        counts.push(m.deliveryCount);
        await sleep(1);
        throw new Error('poison');
      },
    });
    await consumer.batch(0, [{}]).done;
    expect(counts).toEqual([1, 2, 3]);
    expect(kafka().sent.at(-1)?.messages[0]?.headers).toMatchObject({ [DEAD_LETTER.attemptsHeader]: '3', [DEAD_LETTER.errorHeader]: 'Error: poison' });
    await subscription.close();
    expect(commits()).toEqual(['1']);
  });

  it('counts a handler that misses ackTimeoutMs as failed, and says so in the dead letter', async () => {
    const { kafka, subscription, consumer, commits } = await subscribed({ maxDeliveries: 2, ackTimeoutMs: 20, handler: () => new Promise(() => undefined) });
    await consumer.batch(0, [{}]).done;
    expect(kafka().sent.at(-1)?.messages[0]?.headers).toMatchObject({
      [DEAD_LETTER.attemptsHeader]: '2',
      [DEAD_LETTER.errorHeader]: 'StorageError: handler did not finish within 20 ms',
    });
    await subscription.close();
    expect(commits()).toEqual(['1']);
  });

  it('backs off between failed dead-letter writes, longer after each', async () => {
    // The jitter at its top: each wait is 100 ms plus 50 ms·2^attempt (less a hair).
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const failures: number[] = [];
    const { script, subscription, consumer } = await subscribed({
      maxDeliveries: 1,
      handler: async () => Promise.reject(new Error('poison')),
      onError: () => failures.push(performance.now()),
    });
    script.sendError = connectionError();
    const batch = consumer.batch(0, [{}]);
    await waitFor(() => failures.length === 4);
    script.sendError = undefined;
    await batch.done;
    const gaps = failures.slice(1).map((t, i) => t - failures[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(149 - 2);
    expect(gaps[1]).toBeGreaterThanOrEqual(199 - 2);
    expect(gaps[2]).toBeGreaterThanOrEqual(299 - 2);
    await subscription.close();
  });
});

describe('Kafka close', () => {
  it('stops retrying a failing message at once, and returns as soon as its handler is done', async () => {
    let attempts = 0;
    const { subscription, consumer } = await subscribed({
      maxDeliveries: 100,
      handler: async () => {
        attempts += 1;
        await sleep(5);
        throw new Error('transient');
      },
    });
    const batch = consumer.batch(0, [{}]);
    await waitFor(() => attempts >= 2);
    const atClose = attempts;
    const began = performance.now();
    await subscription.close({ timeoutMs: 2_000 });
    expect(performance.now() - began).toBeLessThan(1_000);
    expect(attempts).toBeLessThanOrEqual(atClose + 1);
    await batch.done;
  });

  it('stops retrying a failing dead-letter write, leaving the message uncommitted', async () => {
    const errors: unknown[] = [];
    const { script, subscription, consumer, commits } = await subscribed({
      maxDeliveries: 1,
      handler: async () => Promise.reject(new Error('poison')),
      onError: (error) => errors.push(error),
    });
    script.sendError = connectionError();
    const batch = consumer.batch(0, [{}]);
    await waitFor(() => errors.length >= 1);
    const began = performance.now();
    await subscription.close({ timeoutMs: 2_000 });
    expect(performance.now() - began).toBeLessThan(1_000);
    await batch.done;
    const atClose = errors.length;
    await sleep(300);
    expect(errors).toHaveLength(atClose);
    expect(commits()).toEqual([]);
  });

  it('waits for a running handler and returns as soon as it is done, committing it', async () => {
    const { subscription, consumer, commits } = await subscribed({ handler: async () => void (await sleep(50)) });
    const batch = consumer.batch(0, [{}]);
    await sleep(5);
    const began = performance.now();
    await subscription.close({ timeoutMs: 3_000 });
    expect(performance.now() - began).toBeLessThan(1_500);
    await batch.done;
    expect(commits()).toEqual(['1']);
  });

  it('never commits a message whose handler finished after close gave up on it', async () => {
    const held = gate();
    let started = false;
    const { subscription, consumer, commits } = await subscribed({
      handler: async () => {
        started = true;
        await held.wait;
      },
    });
    const batch = consumer.batch(0, [{}]);
    await waitFor(() => started);
    await subscription.close({ timeoutMs: 30 });
    await batch.done;
    held.open();
    await sleep(30);
    expect(commits()).toEqual([]);
  });
});
