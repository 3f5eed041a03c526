/**
 * Publish and consume throughput through the facade (`createStorageClient` + this package's
 * adapters) against the raw drivers doing the same work, in one process, rounds interleaved (A/B
 * then B/A) so machine noise hits both sides alike. 1 KiB JSON payloads; batch 1 and 100.
 *
 *   raw Redis publish: XADD (batch 1, 32 concurrent callers) / a pipeline of 100 XADD, each with
 *                      the same object serialized per message (Buffer.from(JSON.stringify(…)))
 *   raw Redis consume: XREADGROUP COUNT 1|100 then XACK of what was read
 *   raw Kafka publish: producer.send of 1|100 messages (acks -1), serialized per message likewise
 *
 * Publish cases also time the adapter called directly (no facade), to tell the adapter's cost from
 * the facade layers'.
 *   raw Kafka consume: eachBatch with a commit per batch
 *
 * Run: pnpm bench (needs the services: pnpm services:up). BENCH_ROUNDS, BENCH_ONLY=redis|kafka,
 * BENCH_CASE=<part of a case name>.
 *
 * `pnpm bench` builds the packages and times their dist/ (the JavaScript users run); `pnpm bench:source`
 * times the TypeScript sources through tsx instead, whose transform (esbuild `keepNames`) adds a
 * `__name()` call (an `Object.defineProperty`) each time a named closure is created: on the facade's
 * batch publish path that was ~1 µs of CPU per message that no user pays. Only this file is loaded through tsx in
 * `pnpm bench`, and it holds both sides' driver code alike.
 */
import { randomBytes } from 'node:crypto';
import { createStorageClient } from '@sanctum/storage-core';
import { resolveService } from '@sanctum/test-services';
import { Kafka, logLevel } from 'kafkajs';
import { createClient } from 'redis';
import { createKafkaStreamStore, kafkaStreams } from '@sanctum/storage-stream/kafka';
import { createRedisStreamStore, redisStreams } from '@sanctum/storage-stream/redis';
import { MOCK_TUNING } from '../test/support/kafka.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const ONLY = process.env['BENCH_ONLY'];
/** Runs only the cases whose name contains this text. */
const CASE = process.env['BENCH_CASE'] ?? '';
const want = (name: string) => name.includes(CASE);
const payload = { data: 'x'.repeat(1024 - 11) }; // {"data":"…"} = 1 KiB of JSON
const encoded = Buffer.from(JSON.stringify(payload));

type Run = () => Promise<number>; // messages per second

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function compare(name: string, rounds: number, raw: Run, facade: Run): Promise<void> {
  if (!want(name)) return;
  const rawRates: number[] = [];
  const facadeRates: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const [first, second] = round % 2 === 0 ? [raw, facade] : [facade, raw];
    const a = await first();
    const b = await second();
    const [r, f] = round % 2 === 0 ? [a, b] : [b, a];
    rawRates.push(r);
    facadeRates.push(f);
    ratios.push(f / r);
  }
  report(name, rawRates, facadeRates, ratios);
}

/**
 * Publish comparison in fine slices: each round alternates raw, adapter (the store called directly,
 * no facade) and facade slices, reversing the order every slice, and sums each side's time, so a
 * burst of load from other processes hits all sides alike. The adapter column shows how much of the
 * facade's cost is the adapter's and how much the facade's layers.
 */
async function compareSliced(
  name: string,
  rounds: number,
  slices: number,
  sides: { readonly raw: () => Promise<number>; readonly adapter: () => Promise<number>; readonly facade: () => Promise<number> },
): Promise<void> {
  if (!want(name)) return;
  const names = ['raw', 'adapter', 'facade'] as const;
  const rates: Record<(typeof names)[number], number[]> = { raw: [], adapter: [], facade: [] };
  for (let round = 0; round < rounds; round += 1) {
    const spent = { raw: 0, adapter: 0, facade: 0 };
    const sent = { raw: 0, adapter: 0, facade: 0 };
    for (let slice = 0; slice < slices; slice += 1) {
      const order = slice % 2 === 0 ? [...names] : [...names].reverse();
      for (const side of order) {
        const started = performance.now();
        sent[side] += await sides[side]();
        spent[side] += performance.now() - started;
      }
    }
    for (const side of names) rates[side].push(sent[side] / (spent[side] / 1000));
  }
  const ratios = rates.facade.map((f, i) => f / rates.raw[i]!);
  const adapterRatios = rates.adapter.map((a, i) => a / rates.raw[i]!);
  report(name, rates.raw, rates.facade, ratios, adapterRatios, rates.adapter);
}

function report(name: string, rawRates: number[], facadeRates: number[], ratios: number[], adapterRatios?: number[], adapterRates?: number[]): void {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(9);
  const adapter = adapterRatios === undefined || adapterRates === undefined ? '' : `   adapter ${fmt(median(adapterRates))} msg/s (${median(adapterRatios).toFixed(2)})`;
  console.log(
    `${name.padEnd(34)} raw ${fmt(median(rawRates))} msg/s${adapter}   facade ${fmt(median(facadeRates))} msg/s   ratio ${median(ratios).toFixed(2)}  (per round: ${ratios.map((x) => x.toFixed(2)).join(' ')})`,
  );
}


async function concurrently(total: number, concurrency: number, one: () => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        await one();
      }
    }),
  );
}

const ns = (tag: string) => `bench-${tag}-${randomBytes(3).toString('hex')}`;

async function benchRedis(): Promise<void> {
  const { url } = await resolveService('redis');
  const raw = createClient({ url });
  await raw.connect();
  const prefix = 'bench:';
  const config = (names: string[]) => ({
    schemaVersion: 1 as const,
    adapters: { redis: { use: 'redis-streams', options: { url, keyPrefix: prefix } } },
    namespaces: Object.fromEntries(names.map((name) => [name, { kind: 'stream' as const, adapter: 'redis', maxInFlight: 100, ackTimeoutMs: 30_000 }])),
  });
  const cleanup: string[] = [];
  const fresh = (tag: string) => {
    const name = ns(tag);
    cleanup.push(prefix + name);
    return name;
  };

  // Publish. Both sides serialize the same object to the same 1 KiB of bytes per message (a raw
  // user has to, too); the payload is binary on both sides.
  const sliceOne = 2_000;
  const sliceBatch = 20;
  const rawKey = prefix + fresh('p-raw');
  const publishName = fresh('p-facade');
  const facade = createStorageClient(config([publishName]), { adapters: [redisStreams()] });
  const topic = facade.streams<typeof payload>(publishName);
  await topic.publish(payload); // connect outside the timing
  const batch = Array.from({ length: 100 }, () => ({ payload }));
  const adapterName = fresh('p-adapter');
  const store = createRedisStreamStore({ url, keyPrefix: prefix });
  await store.open!();
  const bytes = () => ({ payload: Buffer.from(JSON.stringify(payload)) });
  // Batch 1 and 100, each by 1 caller and by 32 concurrent callers.
  for (const callers of [1, 32]) {
    const ones = callers === 1 ? sliceOne / 4 : sliceOne;
    await compareSliced(`redis publish, batch 1, c=${String(callers)}`, ROUNDS, 10, {
      raw: async () => {
        await concurrently(ones, callers, () => raw.sendCommand(['XADD', rawKey, '*', 'p', Buffer.from(JSON.stringify(payload))]));
        return ones;
      },
      adapter: async () => {
        await concurrently(ones, callers, () => store.publish({ namespace: adapterName, messages: [bytes()] }));
        return ones;
      },
      facade: async () => {
        await concurrently(ones, callers, () => topic.publish(payload));
        return ones;
      },
    });
    const batches = callers === 1 ? sliceBatch : sliceBatch * 4;
    await compareSliced(`redis publish, batch 100, c=${String(callers)}`, ROUNDS, 10, {
      raw: async () => {
        await concurrently(batches, callers, async () => {
          const pipeline = raw.multi();
          for (let j = 0; j < 100; j += 1) pipeline.addCommand(['XADD', rawKey, '*', 'p', Buffer.from(JSON.stringify(payload))]);
          await pipeline.execAsPipeline();
        });
        return batches * 100;
      },
      adapter: async () => {
        await concurrently(batches, callers, () => store.publish({ namespace: adapterName, messages: Array.from({ length: 100 }, bytes) }));
        return batches * 100;
      },
      facade: async () => {
        await concurrently(batches, callers, () => topic.publishBatch(batch));
        return batches * 100;
      },
    });
  }
  await store.close!();
  cleanup.push(prefix + adapterName);
  await facade.close();
  await raw.del([rawKey, prefix + publishName]);

  // Consume, sliced like publish: each round refills one stream per side; a slice consumes `slice`
  // messages, timed from the first delivered message to the last (subscribe/close and the raw
  // side's first round trip are outside the timing on both sides).
  const fill = async (key: string, count: number) => {
    for (let i = 0; i < count; i += 500) {
      const pipeline = raw.multi();
      for (let j = 0; j < Math.min(500, count - i); j += 1) pipeline.addCommand(['XADD', key, '*', 'p', encoded]);
      await pipeline.execAsPipeline();
    }
  };
  for (const [count, slice] of [
    [1, 2_000],
    [100, 10_000],
  ] as const) {
    if (!want(`redis consume, batch ${String(count)}`)) continue;
    const slices = 6;
    const rawRates: number[] = [];
    const facadeRates: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const rawKey = prefix + fresh(`c${String(count)}-raw`);
      const name = fresh(`c${String(count)}-facade`);
      await fill(rawKey, slice * slices);
      await fill(prefix + name, slice * slices);
      await raw.sendCommand(['XGROUP', 'CREATE', rawKey, 'g', '0']);
      const facade = createStorageClient(config([name]), { adapters: [redisStreams()] });
      const topic = facade.streams<typeof payload>(name);
      const spent = { raw: 0, facade: 0 };
      const rawSlice = async () => {
        let first = 0;
        for (let seen = 0; seen < slice; ) {
          const reply = (await raw.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', String(count), 'BLOCK', '1000', 'STREAMS', rawKey, '>'])) as
            | [[string, [string, string[]][]]]
            | null;
          const entries = reply?.[0]?.[1] ?? [];
          if (seen === 0 && entries.length > 0) first = performance.now();
          for (const [, fields] of entries) JSON.parse(fields[1]!);
          if (entries.length > 0) await raw.sendCommand(['XACK', rawKey, 'g', ...entries.map(([id]) => id)]);
          seen += entries.length;
        }
        spent.raw += performance.now() - first;
      };
      const facadeSlice = async () => {
        let seen = 0;
        let first = 0;
        let done!: () => void;
        const finished = new Promise<void>((resolve) => (done = resolve));
        const subscription = await topic.subscribe(
          'g',
          async () => {
            seen += 1;
            if (seen === 1) first = performance.now();
            if (seen === slice) {
              spent.facade += performance.now() - first;
              done();
            }
          },
          { maxInFlight: count, consumer: 'bench' },
        );
        await finished;
        await subscription.close();
      };
      for (let i = 0; i < slices; i += 1) {
        if (i % 2 === 0) {
          await rawSlice();
          await facadeSlice();
        } else {
          await facadeSlice();
          await rawSlice();
        }
      }
      await facade.close();
      await raw.del([rawKey, prefix + name]);
      const r = (slice * slices) / (spent.raw / 1000);
      const f = (slice * slices) / (spent.facade / 1000);
      rawRates.push(r);
      facadeRates.push(f);
      ratios.push(f / r);
    }
    report(`redis consume, batch ${String(count)}`, rawRates, facadeRates, ratios);
  }
  if (cleanup.length > 0) await raw.del(cleanup);
  await raw.close();
}

async function benchKafka(): Promise<void> {
  const { brokers } = await resolveService('kafka');
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'bench-raw' });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const rounds = ROUNDS;
  const config = (name: string) => ({
    schemaVersion: 1 as const,
    adapters: { kafka: { use: 'kafka', options: { brokers, ...MOCK_TUNING } } },
    namespaces: { [name]: { kind: 'stream' as const, adapter: 'kafka', maxInFlight: 100, ackTimeoutMs: 30_000 } },
  });
  const message = { value: encoded };

  const rawTopic = ns('kp-raw');
  const adapterTopic = ns('kp-adapter');
  const facadeTopic = ns('kp-facade');
  const facade = createStorageClient(config(facadeTopic), { adapters: [kafkaStreams()] });
  const topic = facade.streams<typeof payload>(facadeTopic);
  const store = createKafkaStreamStore({ brokers, ...MOCK_TUNING });
  await store.open!();
  const bytes = () => ({ payload: Buffer.from(JSON.stringify(payload)) });
  // Connect and create the topics outside the timing.
  await producer.send({ topic: rawTopic, messages: [message], acks: -1 });
  await store.publish({ namespace: adapterTopic, messages: [bytes()] });
  await topic.publish(payload);
  const sliceOne = 1_000;
  const sliceBatch = 20;
  await compareSliced('kafka publish, batch 1 (32 callers)', rounds, 10, {
    raw: async () => {
      await concurrently(sliceOne, 32, () => producer.send({ topic: rawTopic, messages: [{ value: Buffer.from(JSON.stringify(payload)) }], acks: -1 }));
      return sliceOne;
    },
    adapter: async () => {
      await concurrently(sliceOne, 32, () => store.publish({ namespace: adapterTopic, messages: [bytes()] }));
      return sliceOne;
    },
    facade: async () => {
      await concurrently(sliceOne, 32, () => topic.publish(payload));
      return sliceOne;
    },
  });
  const batchPayloads = Array.from({ length: 100 }, () => ({ payload }));
  await compareSliced('kafka publish, batch 100', rounds, 10, {
    raw: async () => {
      for (let i = 0; i < sliceBatch; i += 1) {
        await producer.send({ topic: rawTopic, messages: Array.from({ length: 100 }, () => ({ value: Buffer.from(JSON.stringify(payload)) })), acks: -1 });
      }
      return sliceBatch * 100;
    },
    adapter: async () => {
      for (let i = 0; i < sliceBatch; i += 1) await store.publish({ namespace: adapterTopic, messages: Array.from({ length: 100 }, bytes) });
      return sliceBatch * 100;
    },
    facade: async () => {
      for (let i = 0; i < sliceBatch; i += 1) await topic.publishBatch(batchPayloads);
      return sliceBatch * 100;
    },
  });
  await store.close!();
  await facade.close();

  // Consume: timing starts at the first delivered message (a group join on the mock takes ~3 s).
  // The mock keeps only the newest ~5 000 messages of a partition: stay below 4 × 5 000.
  for (const [count, total] of [
    [1, 5_000],
    [100, 16_000],
  ] as const) {
    const fill = async (topic: string) => {
      for (let i = 0; i < total; i += 500) await producer.send({ topic, messages: Array.from({ length: 500 }, () => message), acks: -1 });
    };
    const measure = async (start: (onMessage: () => void) => Promise<() => Promise<void>>): Promise<number> => {
      let seen = 0;
      let first = 0;
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const stop = await start(() => {
        if (seen === 0) first = performance.now();
        seen += 1;
        if (seen === total) done();
      });
      await finished;
      const rate = (total - 1) / ((performance.now() - first) / 1000);
      await stop();
      return rate;
    };
    await compare(
      `kafka consume, batch ${String(count)}`,
      rounds,
      async () => {
        const topic = ns(`kc${String(count)}`);
        await fill(topic);
        return measure(async (onMessage) => {
          const consumer = kafka.consumer({
            groupId: `raw-${topic}`,
            sessionTimeout: MOCK_TUNING.sessionTimeoutMs,
            rebalanceTimeout: MOCK_TUNING.rebalanceTimeoutMs,
            heartbeatInterval: MOCK_TUNING.heartbeatIntervalMs,
            maxWaitTimeInMs: MOCK_TUNING.maxWaitTimeMs,
          });
          await consumer.connect();
          await consumer.subscribe({ topics: [topic], fromBeginning: true });
          await consumer.run({
            autoCommit: false,
            partitionsConsumedConcurrently: 4,
            eachBatch: async ({ batch: fetched, resolveOffset }) => {
              // count = 1: one message at a time, like maxInFlight 1; 100: up to 100 at once.
              for (let i = 0; i < fetched.messages.length; i += count) {
                await Promise.all(fetched.messages.slice(i, i + count).map(async (m) => void JSON.parse(m.value!.toString())));
                for (const m of fetched.messages.slice(i, i + count)) {
                  resolveOffset(m.offset);
                  onMessage();
                }
              }
              await consumer.commitOffsets([{ topic, partition: fetched.partition, offset: (BigInt(fetched.lastOffset()) + 1n).toString() }]);
            },
          });
          return () => consumer.disconnect();
        });
      },
      async () => {
        const name = ns(`kc${String(count)}`);
        await fill(name);
        const facade = createStorageClient(config(name), { adapters: [kafkaStreams()] });
        return measure(async (onMessage) => {
          const subscription = await facade.streams<typeof payload>(name).subscribe('g', async () => onMessage(), { maxInFlight: count });
          return async () => {
            await subscription.close();
            await facade.close();
          };
        });
      },
    );
  }
  await producer.disconnect();
}

console.log(`stream throughput, facade vs raw driver: ${String(ROUNDS)} interleaved rounds, 1 KiB JSON payloads, node ${process.version}`);
if (ONLY !== 'kafka') await benchRedis();
if (ONLY !== 'redis') await benchKafka();
