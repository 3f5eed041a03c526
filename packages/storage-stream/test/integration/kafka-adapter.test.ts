import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { createStorageClient, isStorageError, type Subscription } from '@sanctum/storage-core';
import type { StreamMessage, StreamStore } from '@sanctum/storage-core/spi';
import { resolveService } from '@sanctum/test-services';
import { createKafkaStreamStore, kafkaStreams, type KafkaStreamStoreOptions } from '../../src/kafka/index.js';
import { MOCK_TUNING } from '../support/kafka.js';

const { brokers } = await resolveService('kafka');
const ns = () => `kafka-${randomBytes(4).toString('hex')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (message: StreamMessage) => Buffer.from(message.payload).toString('utf8');
const bytes = (value: string) => Buffer.from(value);
const base = { maxInFlight: 8, maxDeliveries: 3, ackTimeoutMs: 10_000 } as const;

async function waitFor(condition: () => boolean, timeoutMs = 15_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function withStore(options: Partial<KafkaStreamStoreOptions>, body: (store: StreamStore) => Promise<void>): Promise<void> {
  const store = createKafkaStreamStore({ brokers, ...MOCK_TUNING, ...options });
  await store.open!();
  try {
    await body(store);
  } finally {
    await store.close!();
  }
}

describe('Kafka adapter (librdkafka mock cluster)', () => {
  it('starts a new group after a position per partition (`p:o,p:o`); unnamed partitions start at the earliest', async () => {
    await withStore({}, async (store) => {
      const namespace = ns();
      const receipts: { id: string }[] = [];
      for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) {
        receipts.push(...(await store.publish({ namespace, messages: [0, 1, 2].map((i) => ({ key, payload: bytes(`${key}${String(i)}`) })) })));
      }
      const position = (id: string) => id.split(':').map(Number) as [number, number];
      // One position in each of two partitions: the second message there (so its first two are skipped).
      const partitions = [...new Set(receipts.map((r) => position(r.id)[0]))].slice(0, 2);
      const named = new Map(partitions.map((p) => [p, receipts.filter((r) => position(r.id)[0] === p)[1]!.id]));
      const expected = receipts
        .map((r, index) => ({ id: r.id, text: `${['a', 'b', 'c', 'd', 'e', 'f'][Math.floor(index / 3)]!}${String(index % 3)}` }))
        .filter(({ id }) => {
          const [p, o] = position(id);
          const after = named.get(p);
          return after === undefined || o > position(after)[1];
        })
        .map(({ text: t }) => t);
      const seen: string[] = [];
      const subscription = await store.subscribe({ namespace, group: 'g', ...base, from: { afterId: [...named.values()].join(',') }, handler: async (m) => void seen.push(text(m)) });
      await waitFor(() => seen.length >= expected.length);
      await sleep(300);
      await subscription.close();
      expect(seen.sort()).toEqual(expected.sort());
      await expect(store.subscribe({ namespace, group: 'x', ...base, from: { afterId: '1-0' }, handler: async () => undefined })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    });
  });

  it('keeps a fromTime start across a restart of the new group (the filter travels with the committed offset)', async () => {
    await withStore({}, async (store) => {
      const namespace = ns();
      await store.publish({ namespace, messages: [{ payload: bytes('old-1') }, { payload: bytes('old-2') }] });
      await sleep(50);
      const from = new Date();
      await sleep(50);
      const first = await store.subscribe({ namespace, group: 'g', ...base, from: { fromTime: from }, handler: async () => new Promise(() => undefined) });
      // Closed before it handled anything past the boundary.
      await first.close({ timeoutMs: 0 });
      await store.publish({ namespace, messages: [{ payload: bytes('new-1') }] });
      const seen: string[] = [];
      const second = await store.subscribe({ namespace, group: 'g', ...base, handler: async (m) => void seen.push(text(m)) });
      await waitFor(() => seen.length >= 1);
      await sleep(300);
      await second.close();
      expect(seen).toEqual(['new-1']);
    });
  });

  it('hands a closed consumer’s partitions to the other consumer of the group', async () => {
    await withStore({}, async (store) => {
      const namespace = ns();
      const seen = new Map<string, string>();
      const handler = (name: string) => async (m: StreamMessage) => void seen.set(text(m), name);
      const one = await store.subscribe({ namespace, group: 'g', consumer: 'one', ...base, handler: handler('one') });
      const two = await store.subscribe({ namespace, group: 'g', consumer: 'two', ...base, handler: handler('two') });
      await one.close();
      await store.publish({ namespace, messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${String(i)}`, payload: bytes(String(i)) })) });
      await waitFor(() => seen.size === 20, 20_000, 'all 20 messages after the rebalance');
      await two.close();
      expect(new Set(seen.values())).toEqual(new Set(['two']));
    });
  });

  it('names topics with topicPrefix and refuses duplicate consumers and malformed requests', async () => {
    await withStore({ topicPrefix: 'pfx.' }, async (store) => {
      const namespace = ns();
      await store.publish({ namespace, messages: [{ payload: bytes('x') }] });
      const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(`pfx.${namespace}`);
      await admin.disconnect();
      expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(1);
      const handler = async () => undefined;
      const first = await store.subscribe({ namespace, group: 'g', consumer: 'c', ...base, handler });
      await expect(store.subscribe({ namespace, group: 'g', consumer: 'c', ...base, handler })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      await expect(store.subscribe({ namespace, group: 'g', ...base, maxDeliveries: 0, handler })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(store.subscribe({ namespace, group: 'g', ...base, signal: AbortSignal.abort(), handler })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(store.publish({ namespace, signal: AbortSignal.abort(), messages: [{ payload: bytes('x') }] })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(await store.publish({ namespace, messages: [] })).toEqual([]);
      await first.close();
    });
  });

  it('fails subscribe with UNAVAILABLE when the group join takes longer than joinTimeoutMs', async () => {
    await withStore({ joinTimeoutMs: 500 }, async (store) => {
      const started = Date.now();
      await expect(store.subscribe({ namespace: ns(), group: 'g', ...base, handler: async () => undefined })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  });

  it('reports health, refuses work once closed, and fails open() when no broker answers', async () => {
    const store = createKafkaStreamStore({ brokers, ...MOCK_TUNING });
    await store.open!();
    expect((await store.health!()).ok).toBe(true);
    await store.close!();
    await expect(store.publish({ namespace: 'x', messages: [{ payload: bytes('x') }] })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(store.subscribe({ namespace: 'x', group: 'g', ...base, handler: async () => undefined })).rejects.toMatchObject({ code: 'UNAVAILABLE' });

    const nowhere = createKafkaStreamStore({ brokers: ['127.0.0.1:1'], ...MOCK_TUNING, connectionTimeoutMs: 200, retries: 0 });
    const error = await nowhere.open!().catch((e: unknown) => e);
    expect(isStorageError(error, 'UNAVAILABLE')).toBe(true);
    expect((await nowhere.health!()).ok).toBe(false);
    await nowhere.close!();
  });

  it('works through the facade with kafkaStreams(): JSON payloads and dead letters', async () => {
    const namespace = ns();
    const client = createStorageClient(
      {
        schemaVersion: 1,
        adapters: { events: { use: 'kafka', options: { brokers, ...MOCK_TUNING } } },
        namespaces: { [namespace]: { kind: 'stream', adapter: 'events', maxInFlight: 4, maxDeliveries: 2, ackTimeoutMs: 5_000 } },
      },
      { adapters: [kafkaStreams()] },
    );
    const subscriptions: Subscription[] = [];
    try {
      const topic = client.streams<{ n: number }>(namespace);
      const handled: number[] = [];
      subscriptions.push(
        await topic.subscribe('billing', async (message) => {
          if (message.payload.n === 3) throw new Error('poison');
          handled.push(message.payload.n);
        }),
      );
      const dead: number[] = [];
      subscriptions.push(await topic.deadLetters().subscribe('audit', async (message) => void dead.push(message.payload.n)));
      await topic.publish({ n: 1 }, { key: 'a', headers: { trace: 't' } });
      await topic.publishBatch([{ payload: { n: 2 } }, { payload: { n: 3 } }]);
      await waitFor(() => handled.length === 2 && dead.length === 1);
      expect(handled.sort()).toEqual([1, 2]);
      expect(dead).toEqual([3]);
    } finally {
      await Promise.all(subscriptions.map((s) => s.close()));
      await client.close();
    }
  });
});
