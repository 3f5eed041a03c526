import { describe, expect, it } from 'vitest';
import { DEAD_LETTER, StorageError } from '@sanctum/storage-core';
import type { StreamMessage, StreamStore, SubscribeRequest } from '@sanctum/storage-core/spi';
import { fakeKafkaStore, fakeScript, kafkaSubscribeRequest, type FakeConsumer, type FakeKafka } from '../support/fake-kafka.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(2);
  }
}

const setup = fakeKafkaStore;

const request = kafkaSubscribeRequest;

async function subscribed(store: StreamStore, kafka: () => FakeKafka, overrides: Partial<SubscribeRequest> & Pick<SubscribeRequest, 'handler'>) {
  const subscription = await store.subscribe(request(overrides));
  const consumer = kafka().consumers.at(-1)!;
  return { subscription, consumer };
}

describe('Kafka store against a fake kafkajs', () => {
  it('fails subscribe when the consumer crashes before joining, reporting it', async () => {
    const { store } = setup(fakeScript({ crashOnRun: Object.assign(new Error('auth'), { name: 'KafkaJSSASLAuthenticationError' }) }));
    await store.open!();
    const errors: unknown[] = [];
    await expect(store.subscribe(request({ handler: async () => undefined, onError: (e) => errors.push(e) }))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(errors).toHaveLength(1);
    await store.close!();
  });

  it('retries a join that crashed for a reason a retry can fix, reporting it', async () => {
    const script = fakeScript({ crashOnRun: Object.assign(new Error('Broker: Invalid request'), { name: 'KafkaJSProtocolError', type: 'INVALID_REQUEST' }), crashRuns: 2 });
    const { store, kafka } = setup(script);
    const errors: unknown[] = [];
    const subscription = await store.subscribe(request({ handler: async () => undefined, onError: (e) => errors.push(e) }));
    expect(kafka().consumers).toHaveLength(3);
    expect(kafka().consumers[0]!.disconnected).toBe(true);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    await subscription.close();
    await store.close!();
  });

  it('gives up on a join at joinTimeoutMs, and when the subscription closes meanwhile', async () => {
    const { store } = setup(fakeScript({ neverJoin: true }), { joinTimeoutMs: 50 });
    await expect(store.subscribe(request({ handler: async () => undefined }))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const crashing = setup(fakeScript({ crashOnRun: new Error('always') }), { joinTimeoutMs: 300 });
    await expect(crashing.store.subscribe(request({ handler: async () => undefined }))).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('replaces a consumer kafkajs gave up on, and leaves one it restarts itself alone', async () => {
    const script = fakeScript({ partitions: 1 });
    const { store, kafka } = setup(script);
    const seen: string[] = [];
    const errors: unknown[] = [];
    const subscription = await store.subscribe(request({ handler: async (m) => void seen.push(m.id), onError: (e) => errors.push(e) }));
    const first = kafka().consumers[0]!;
    first.crash(Object.assign(new Error('retriable'), { name: 'KafkaJSConnectionError' }), true);
    await sleep(20);
    expect(kafka().consumers).toHaveLength(1);
    first.crash(Object.assign(new Error('Broker: Invalid request'), { name: 'KafkaJSProtocolError', type: 'INVALID_REQUEST' }), false);
    await waitFor(() => kafka().consumers.length === 2 && kafka().consumers[1]!.eachBatch !== undefined);
    await sleep(20);
    const second = kafka().consumers[1]!;
    await second.batch(0, [{}]).done;
    expect(seen).toEqual(['0:0']);
    expect(errors).toHaveLength(2);
    first.crash(new Error('stale consumer'), false); // not the current one any more: ignored
    await sleep(20);
    expect(kafka().consumers).toHaveLength(2);
    await subscription.close();
    await store.close!();
  });

  it('stops recovering when the subscription closes', async () => {
    const script = fakeScript({ partitions: 1 });
    const { store, kafka } = setup(script, { joinTimeoutMs: 60_000 });
    const subscription = await store.subscribe(request({ handler: async () => undefined, onError: () => undefined }));
    script.neverJoin = true;
    kafka().consumers[0]!.crash(new Error('gone'), false);
    await waitFor(() => kafka().consumers.length === 2);
    const started = Date.now();
    await subscription.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(kafka().consumers[1]!.disconnected).toBe(true);
    await store.close!();
  });

  it('positions a new group: latest and after-id seek and commit, unknown partitions start at 0', async () => {
    const script = fakeScript({ partitions: 3, watermarks: [{ partition: 0, low: '2', high: '9' }] });
    const { store, kafka } = setup(script);
    await store.open!();
    const { subscription, consumer } = await subscribed(store, kafka, { from: 'latest', handler: async () => undefined });
    expect(consumer.config.groupId).toBe('topic:g'); // Kafka group ids are cluster-wide: scoped by topic
    expect(consumer.seeks).toEqual([
      { topic: 'topic', partition: 0, offset: '9' },
      { topic: 'topic', partition: 1, offset: '0' },
      { topic: 'topic', partition: 2, offset: '0' },
    ]);
    await subscription.close();

    const after = fakeScript({ partitions: 2, watermarks: [{ partition: 1, low: '3', high: '9' }] });
    const second = setup(after);
    await second.store.open!();
    const other = await subscribed(second.store, second.kafka, { group: 'h', from: { afterId: '0:4' }, handler: async () => undefined });
    expect(other.consumer.seeks.map((s) => s.offset)).toEqual(['5', '3']);
    await other.subscription.close();
    const earliest = setup(fakeScript({ partitions: 1 }));
    const third = await subscribed(earliest.store, earliest.kafka, { group: 'e', handler: async () => undefined });
    expect(third.consumer.seeks.map((s) => s.offset)).toEqual(['0']);
    await third.subscription.close();
  });

  it('leaves never-committed partitions of an existing group alone, and copes with offsets that omit the topic', async () => {
    const script = fakeScript({ partitions: 2, committed: new Map([[0, { offset: '5', metadata: 'sanctum:from-time=10' }]]) });
    const { store, kafka } = setup(script);
    const { subscription, consumer } = await subscribed(store, kafka, { from: 'latest', handler: async () => undefined });
    expect(consumer.config.groupId).toBe('topic:g'); // Kafka group ids are cluster-wide: scoped by topic
    expect(consumer.seeks).toEqual([]);
    await subscription.close();

    const missing = setup(fakeScript({ offsetsMissingTopic: true, partitions: 1 }));
    const other = await subscribed(missing.store, missing.kafka, { handler: async () => undefined });
    expect(other.consumer.seeks).toEqual([{ topic: 'topic', partition: 0, offset: '0' }]);
    await other.subscription.close();
  });

  it('skips a batch until positions are known, retrying a failed positioning', async () => {
    const script = fakeScript({ partitions: 1 });
    const { store, kafka } = setup(script);
    const errors: unknown[] = [];
    const seen: string[] = [];
    const { subscription, consumer } = await subscribed(store, kafka, { handler: async (m) => void seen.push(m.id), onError: (e) => errors.push(e) });
    script.failPositioning = 1;
    consumer.join([0]);
    await consumer.batch(0, [{}]).done;
    expect(seen).toEqual([]);
    expect(errors).toHaveLength(1);
    await consumer.batch(0, [{}]).done;
    expect(seen).toEqual(['0:0']);
    await subscription.close();
  });

  it('ignores empty, stale and post-close batches', async () => {
    const { store, kafka } = setup(fakeScript({ partitions: 1 }));
    const seen: string[] = [];
    const { subscription, consumer } = await subscribed(store, kafka, { handler: async (m) => void seen.push(m.id) });
    await consumer.batch(0, []).done;
    consumer.stale.add(0);
    await consumer.batch(0, [{}]).done;
    consumer.stale.clear();
    consumer.running = false;
    await consumer.batch(0, [{}]).done;
    consumer.running = true;
    await subscription.close();
    await consumer.batch(0, [{}]).done;
    expect(seen).toEqual([]);
  });

  it('stops taking a batch when the partition goes stale or a heartbeat reports a rebalance', async () => {
    const { store, kafka } = setup(fakeScript({ partitions: 1 }));
    const seen: string[] = [];
    const { subscription, consumer } = await subscribed(store, kafka, {
      maxInFlight: 1,
      handler: async (m) => {
        seen.push(m.id);
        await sleep(30);
      },
    });
    const first = consumer.batch(0, [{}, {}, {}]);
    await waitFor(() => seen.length === 1);
    consumer.stale.add(0); // the second message waits for the slot, then sees the partition moved
    await first.done;
    expect(seen).toEqual(['0:0']);
    expect(first.resolved).toEqual(['0']);
    consumer.stale.clear();

    const second = consumer.batch(0, [{}, {}, {}], { heartbeat: async () => Promise.reject(new Error('REBALANCE_IN_PROGRESS')) });
    await second.done;
    expect(seen.length).toBeLessThan(5);
    await subscription.close();
  });

  it('reports failed commits and survives an onError that throws or is missing', async () => {
    const script = fakeScript({ partitions: 1 });
    const { store, kafka } = setup(script);
    const { subscription, consumer } = await subscribed(store, kafka, {
      handler: async () => undefined,
      onError: () => {
        throw new Error('broken onError');
      },
    });
    script.commitError = Object.assign(new Error('gen'), { name: 'KafkaJSProtocolError', type: 'ILLEGAL_GENERATION', retriable: false });
    await consumer.batch(0, [{}, {}]).done;
    const quiet = await subscribed(store, kafka, { group: 'q', handler: async () => undefined });
    await quiet.consumer.batch(0, [{}]).done;
    await subscription.close();
    await quiet.subscription.close();
  });

  it('retries a failed dead-letter write, and gives up on it when closing', async () => {
    const script = fakeScript({ partitions: 1 });
    const { store, kafka } = setup(script);
    const errors: StorageError[] = [];
    const { subscription, consumer } = await subscribed(store, kafka, {
      maxDeliveries: 1,
      handler: async () => Promise.reject(new Error('poison')),
      onError: (e) => errors.push(e as StorageError),
    });
    script.sendError = Object.assign(new Error('down'), { name: 'KafkaJSConnectionError' });
    const batch = consumer.batch(0, [{ key: Buffer.from('k'), headers: { a: Buffer.from('1') } }]);
    await waitFor(() => errors.length >= 1);
    script.sendError = undefined;
    await batch.done;
    expect(errors[0]).toMatchObject({ code: 'UNAVAILABLE', operation: 'streams.deadLetter' });
    const letter = kafka().sent.at(-1)!;
    expect(letter.topic).toBe('topic.dead-letter');
    expect(letter.messages[0]).toMatchObject({ key: 'k', headers: { a: '1', [DEAD_LETTER.attemptsHeader]: '1', [DEAD_LETTER.originalIdHeader]: '0:0' } });
    expect(consumer.commits.at(-1)).toMatchObject({ partition: 0, offset: '1' });

    script.sendError = Object.assign(new Error('down'), { name: 'KafkaJSConnectionError' });
    const stuck = consumer.batch(0, [{ offset: '1' }]);
    await waitFor(() => errors.length >= 2);
    await subscription.close({ timeoutMs: 50 });
    await stuck.done;
    expect(consumer.commits.at(-1)).toMatchObject({ offset: '1' });
  });

  it('stops retrying a failing message once its batch halts', async () => {
    const { store, kafka } = setup(fakeScript({ partitions: 1 }));
    let attempts = 0;
    const { subscription, consumer } = await subscribed(store, kafka, {
      maxDeliveries: 100,
      handler: async () => {
        attempts += 1;
        await sleep(5);
        throw new Error('transient');
      },
    });
    const batch = consumer.batch(0, [{}]);
    await waitFor(() => attempts >= 2);
    await subscription.close({ timeoutMs: 1_000 });
    await batch.done;
    const after = attempts;
    await sleep(30);
    expect(attempts).toBe(after);
  });

  it('waits for running handlers on close, then commits them', async () => {
    const { store, kafka } = setup(fakeScript({ partitions: 1 }));
    const seen: StreamMessage[] = [];
    const { subscription, consumer } = await subscribed(store, kafka, {
      handler: async (m) => {
        await sleep(40);
        seen.push(m);
      },
    });
    const batch = consumer.batch(0, [{}, {}]);
    await sleep(5);
    await subscription.close({ timeoutMs: 2_000 });
    await batch.done;
    expect(seen).toHaveLength(2);
    expect(consumer.commits.at(-1)).toMatchObject({ offset: '2' });
    expect(consumer.disconnected).toBe(true);
  });

  it('does not hold a finished batch for its commit, and close waits for that commit before leaving the group', async () => {
    const script = fakeScript({ partitions: 1 });
    const { store, kafka } = setup(script);
    const { subscription, consumer } = await subscribed(store, kafka, { handler: async () => undefined });
    let open!: () => void;
    script.commitGate = new Promise<void>((resolve) => (open = resolve));
    const positioned = consumer.commits.length;
    const batch = consumer.batch(0, [{}, {}]);
    // The batch ends (kafkajs may fetch again) while its commit is still on the wire.
    expect(await Promise.race([batch.done.then(() => 'ended'), sleep(500).then(() => 'held')])).toBe('ended');
    expect(consumer.commits).toHaveLength(positioned);
    const closing = subscription.close({ timeoutMs: 1_000 });
    await sleep(30);
    expect(consumer.disconnected).toBe(false);
    open();
    await closing;
    expect(consumer.commits.at(-1)).toMatchObject({ partition: 0, offset: '2' });
    expect(consumer.disconnected).toBe(true);
  });

  it('holds a batch cut short by a rebalance until its commit landed', async () => {
    const script = fakeScript({ partitions: 1 });
    const { store, kafka } = setup(script);
    const { subscription, consumer } = await subscribed(store, kafka, { handler: async () => void (await sleep(40)) });
    let open!: () => void;
    script.commitGate = new Promise<void>((resolve) => (open = resolve));
    const batch = consumer.batch(0, [{}, {}], { heartbeat: async () => Promise.reject(new Error('REBALANCE_IN_PROGRESS')) });
    await sleep(150);
    let ended = false;
    void batch.done.then(() => (ended = true));
    await sleep(20);
    expect(ended).toBe(false);
    open();
    await batch.done;
    expect(consumer.commits.at(-1)).toMatchObject({ partition: 0 });
    await subscription.close();
  });

  it('maps a failed send and refuses a receipt the broker did not report', async () => {
    const script = fakeScript({ partitions: 2 });
    const { store } = setup(script);
    await store.open!();
    script.sendError = Object.assign(new Error('too big'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE' });
    await expect(store.publish({ namespace: 'topic', messages: [{ payload: Buffer.from('x') }] })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    script.sendError = undefined;
    script.sendResult = () => [];
    await expect(store.publish({ namespace: 'topic', messages: [{ payload: Buffer.from('x') }] })).rejects.toMatchObject({ code: 'INTERNAL' });
    script.sendResult = undefined;
    const receipts = await store.publish({ namespace: 'topic', messages: [{ payload: Buffer.from('x') }, { payload: Buffer.from('y') }] });
    const [first, second] = receipts.map((r) => r.id.split(':'));
    expect(first![0]).toBe(second![0]);
    expect([first![1], second![1]]).toEqual(['100', '101']);
    script.baseOffset = '9007199254740993'; // past 2^53: exact with BigInt
    const far = await store.publish({ namespace: 'topic', messages: [{ payload: Buffer.from('x') }, { payload: Buffer.from('y') }] });
    expect(far.map((r) => r.id.split(':')[1])).toEqual(['9007199254740993', '9007199254740994']);
    await store.close!();
  });

  it('ends a send the broker does not answer when its signal fires (deadline); a late reply or failure is dropped', async () => {
    const script = fakeScript({ partitions: 1 });
    let open!: () => void;
    script.sendGate = new Promise<void>((resolve) => (open = resolve));
    const { store } = setup(script);
    const started = performance.now();
    const timedOut = store.publish({ namespace: 'topic', signal: AbortSignal.timeout(50), messages: [{ payload: Buffer.from('x') }] });
    await expect(timedOut).rejects.toMatchObject({ code: 'TIMEOUT', operation: 'streams.publish' });
    expect(performance.now() - started).toBeLessThan(1_000);
    const controller = new AbortController();
    const aborted = store.publish({ namespace: 'topic', signal: controller.signal, messages: [{ payload: Buffer.from('y') }] });
    await sleep(5);
    script.sendError = new Error('broker gone');
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    open(); // the abandoned sends now fail late: nothing unhandled
    script.sendGate = undefined;
    script.sendError = undefined;
    const live = new AbortController();
    expect(await store.publish({ namespace: 'topic', signal: live.signal, messages: [{ payload: Buffer.from('z') }] })).toHaveLength(1);
    script.sendError = new Error('broker gone');
    await expect(store.publish({ namespace: 'topic', signal: live.signal, messages: [{ payload: Buffer.from('z') }] })).rejects.toMatchObject({ code: expect.any(String) });
    await store.close!();
  });

  it('turns away publishers waiting for local permits on abort and on close; a reply without offsets is INTERNAL', async () => {
    const script = fakeScript({ partitions: 1 });
    let open!: () => void;
    script.sendGate = new Promise<void>((resolve) => (open = resolve));
    const { store } = setup(script, { maxPendingPublishes: 1 });
    const stuck = store.publish({ namespace: 'topic', messages: [{ payload: Buffer.from('x') }] });
    const controller = new AbortController();
    const aborted = store.publish({ namespace: 'topic', timeoutMs: 5_000, signal: controller.signal, messages: [{ payload: Buffer.from('y') }] });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'streams.publish was aborted' });
    await expect(store.publish({ namespace: 'topic', timeoutMs: 10, messages: [{ payload: Buffer.from('y') }] })).rejects.toMatchObject({ code: 'BACKPRESSURE' });
    const waiting = store.publish({ namespace: 'topic', timeoutMs: 5_000, messages: [{ payload: Buffer.from('z') }] });
    const closing = store.close!();
    await expect(waiting).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'the store was closed' });
    open();
    await stuck;
    await closing;

    const bare = fakeScript({ partitions: 1, sendResult: (topic) => [{ topicName: topic, partition: 0, errorCode: 0 }] });
    const other = setup(bare);
    await expect(other.store.publish({ namespace: 'topic', messages: [{ payload: Buffer.from('x') }] })).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('stops dispatching a batch when kafkajs stops running', async () => {
    const { store, kafka } = setup(fakeScript({ partitions: 1 }));
    const seen: string[] = [];
    const held: { consumer?: FakeConsumer } = {};
    const subscription = await store.subscribe(
      request({
        maxInFlight: 1,
        handler: async (m) => {
          seen.push(m.id);
          held.consumer!.running = false;
        },
      }),
    );
    const consumer = kafka().consumers.at(-1)!;
    held.consumer = consumer;
    await consumer.batch(0, [{}, {}, {}]).done;
    expect(seen).toEqual(['0:0', '0:1']);
    consumer.running = true;
    await subscription.close();
  });

  it('maps a StorageError nested in kafkajs retries', async () => {
    const { mapKafkaError } = await import('../../src/kafka/errors.js');
    const nested = Object.assign(new Error('retries'), { name: 'KafkaJSNumberOfRetriesExceeded', cause: new StorageError('BACKPRESSURE', 'full') });
    expect(mapKafkaError(nested, 'op').code).toBe('BACKPRESSURE');
  });

  it('reports health through the admin client', async () => {
    const { store } = setup(fakeScript());
    expect(await store.health!()).toMatchObject({ ok: true, details: { brokers: 1 } });
    await store.close!();
  });

  it('fails subscribe when the group cannot be inspected', async () => {
    const script = fakeScript({ fetchOffsetsError: Object.assign(new Error('coordinator'), { name: 'KafkaJSGroupCoordinatorNotFound' }) });
    const { store } = setup(script);
    await expect(store.subscribe(request({ handler: async () => undefined }))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

export type { FakeConsumer };
