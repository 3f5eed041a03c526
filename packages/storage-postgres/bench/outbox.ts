/**
 * The transactional outbox.
 * 1. Relay throughput (msg/s) to Redis Streams and to Kafka: M rows in the outbox, one in-process
 *    relay drains them (claim → publishBatch through the facade → mark sent). "raw" is the same
 *    messages published straight through the facade's stream namespace in the same batch size, with
 *    no outbox: the ceiling. Rounds interleave raw and relay (order alternating) in one process; the
 *    ratio is the median of per-round ratios relay/raw.
 * 2. Commit-to-handler latency at a steady rate (1,000 tx/s by default), to Redis and to Kafka: an
 *    application process (bench/outbox-load-child.ts) runs transactions that write a record and
 *    publish through the outbox; this process runs the relay (woken on commit) and a consumer
 *    group; latency = the handler's start minus the moment the transaction's commit resolved (one
 *    epoch clock, sub-ms). p50/p99 over the run, split at the message's timestamp in the stream
 *    (Kafka: the producer's send time, ms; Redis: the entry id's ms): commit→published is the relay's
 *    share, published→handler the consumer's.
 *
 * Run: pnpm --filter @sanctum/storage-postgres bench:outbox (wrap in the bench lock).
 * Knobs: BENCH_ROUNDS (3), BENCH_MESSAGES (10000), BENCH_BATCH (500), BENCH_RATE (1000),
 *        BENCH_SECONDS (10), BENCH_ONLY (redis | kafka | latency | latency-redis | latency-kafka),
 *        BENCH_WAKE (1; 0 = relay polls every 5 ms instead, for comparison), BENCH_APP_POOL (16),
 *        BENCH_KAFKA_MAX_WAIT_MS (10: the Kafka consumer's fetch wait; librdkafka's mock
 *        holds an empty fetch for the whole wait even when data arrives, where a real broker answers
 *        at once, so the product default of 500 ms, or the tests' 100, would measure the mock).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import postgresJs from 'postgres';
import { relayOutboxOnce, startOutboxRelay, type StorageClient } from '@sanctum/storage-core';
import { resolveService } from '@sanctum/test-services';
import { migrateUp } from '../src/index.js';
import { scenarioClient, type OrderEvent, type Scenario } from '../test/outbox/setup.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 10_000);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 500);
const RATE = Number(process.env['BENCH_RATE'] ?? 1_000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const ONLY = process.env['BENCH_ONLY'];
/** BENCH_WAKE=0: the relay polls every 5 ms instead of waking on commit (the old behaviour, for comparison). */
const WAKE = process.env['BENCH_WAKE'] !== '0';
const APP_POOL = Number(process.env['BENCH_APP_POOL'] ?? 16);
const KAFKA_MAX_WAIT_MS = Number(process.env['BENCH_KAFKA_MAX_WAIT_MS'] ?? 10);

const here = dirname(fileURLToPath(import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const pgUrl = (await resolveService('postgres')).url;
const redisUrl = (await resolveService('redis')).url;
const admin = postgresJs(pgUrl, { max: 2, onnotice: () => undefined });

async function fresh(kafkaBrokers?: string): Promise<{ scenario: Scenario; client: StorageClient; drop: () => Promise<void> }> {
  const tag = randomBytes(4).toString('hex');
  const schema = `sanctum_b_outbox_${tag}`;
  await migrateUp({ url: pgUrl, schema });
  const scenario: Scenario = {
    pgUrl,
    schema,
    redisUrl,
    redisPrefix: `bench-outbox-${tag}:`,
    poolSize: 8,
    ...(kafkaBrokers === undefined ? {} : { kafkaBrokers, kafkaMaxWaitMs: KAFKA_MAX_WAIT_MS }),
  };
  const client = await scenarioClient(scenario);
  return {
    scenario,
    client,
    drop: async () => {
      await client.close();
      await admin.unsafe(`drop schema if exists "${schema}" cascade`);
    },
  };
}

const payloadOf = (i: number): OrderEvent => ({ i, key: `k${String(i % 64)}` });

async function fill(schema: string, n: number): Promise<void> {
  await admin.unsafe(
    `insert into "${schema}"."records_outbox" (stream, msg_key, payload)
     select 'events', 'k' || (g % 64), json_build_object('i', g, 'key', 'k' || (g % 64))::text from generate_series(0, $1::int - 1) g`,
    [n],
  );
}

async function rawPublish(client: StorageClient, n: number): Promise<number> {
  const events = client.streams<OrderEvent>('events');
  const started = performance.now();
  for (let i = 0; i < n; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => {
      const p = payloadOf(i + j);
      return { payload: p, key: p.key, headers: { 'idempotency-key': String(i + j) } };
    });
    await events.publishBatch(batch);
  }
  return n / ((performance.now() - started) / 1000);
}

async function relayDrain(client: StorageClient, schema: string, n: number): Promise<number> {
  await fill(schema, n);
  const started = performance.now();
  let sent = 0;
  while (sent < n) sent += (await relayOutboxOnce({ client, adapter: 'pg', batchSize: BATCH })).sent;
  return n / ((performance.now() - started) / 1000);
}

async function throughput(label: string, kafkaBrokers?: string): Promise<void> {
  const { scenario, client, drop } = await fresh(kafkaBrokers);
  try {
    await rawPublish(client, BATCH); // connect and warm
    const ratios: number[] = [];
    const raws: number[] = [];
    const relays: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let raw: number;
      let relay: number;
      if (round % 2 === 0) {
        raw = await rawPublish(client, MESSAGES);
        relay = await relayDrain(client, scenario.schema, MESSAGES);
      } else {
        relay = await relayDrain(client, scenario.schema, MESSAGES);
        raw = await rawPublish(client, MESSAGES);
      }
      raws.push(raw);
      relays.push(relay);
      ratios.push(relay / raw);
      console.log(`${label} round ${String(round + 1)}: raw publish ${raw.toFixed(0)} msg/s, relay ${relay.toFixed(0)} msg/s, ratio ${(relay / raw).toFixed(2)}`);
    }
    console.log(`${label}: relay median ${median(relays).toFixed(0)} msg/s, raw publish median ${median(raws).toFixed(0)} msg/s, median ratio ${median(ratios).toFixed(2)} (batch ${String(BATCH)}, ${String(MESSAGES)} msgs/round)`);
  } finally {
    await drop();
  }
}

async function latency(label: string, kafkaBrokers?: string): Promise<void> {
  const { scenario, client, drop } = await fresh(kafkaBrokers);
  const handledAt = new Map<number, number>();
  /** When the relay's publish reached the stream (the backend's timestamp: Kafka's is ms, producer side). */
  const publishedAt = new Map<number, number>();
  const epochNow = () => performance.timeOrigin + performance.now();
  const relay = startOutboxRelay({ client, adapter: 'pg', batchSize: 200, ...(WAKE ? {} : { wakeOnCommit: false, idleMs: 5 }) });
  const subscription = await client.streams<OrderEvent>('events').subscribe(
    'latency',
    async (message) => {
      if (!handledAt.has(message.payload.i)) {
        handledAt.set(message.payload.i, epochNow());
        publishedAt.set(message.payload.i, message.publishedAt.getTime());
      }
    },
    { maxInFlight: 256 },
  );
  try {
    // Warm up: the consumer has joined its group (Kafka rebalances first) and the relay is listening.
    await client.records('orders').transaction(async (tx) => void (await tx.streams<OrderEvent>('events').publish({ i: -1, key: 'warm' }, { key: 'warm' })));
    const warmDeadline = Date.now() + 60_000;
    while (!handledAt.has(-1) && Date.now() < warmDeadline) await new Promise((resolve) => setTimeout(resolve, 20));
    handledAt.delete(-1);
    const total = RATE * SECONDS;
    // The application in a process of its own (as in production): it reports each commit's time.
    const app = spawn(process.execPath, ['--conditions=@sanctum/source', '--import', 'tsx', join(here, 'outbox-load-child.ts'), JSON.stringify({ ...scenario, poolSize: APP_POOL }), String(RATE), String(SECONDS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const committedAt = new Map<number, number>();
    let summary: { achieved: number; behind: number } | undefined;
    const lines = createInterface({ input: app.stdout });
    lines.on('line', (line) => {
      const doc = JSON.parse(line) as { commits?: Array<[number, number]>; done?: true; achieved: number; behind: number };
      if (doc.commits !== undefined) for (const [i, at] of doc.commits) committedAt.set(i, at);
      if (doc.done === true) summary = doc;
    });
    const exitCode = await new Promise<number | null>((resolve) => app.on('exit', resolve));
    if (exitCode !== 0 || summary === undefined) throw new Error(`load process failed (exit ${String(exitCode)})`);
    const deadline = Date.now() + 30_000;
    while (handledAt.size < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const latencies: number[] = [];
    const toPublish: number[] = [];
    const toHandler: number[] = [];
    for (const [i, at] of committedAt) {
      const handled = handledAt.get(i);
      if (handled === undefined) continue;
      latencies.push(handled - at);
      const published = publishedAt.get(i)!;
      toPublish.push(published - at);
      toHandler.push(handled - published);
    }
    const sorted = latencies.sort((a, b) => a - b);
    const spread = (xs: number[]) => {
      const s = xs.sort((a, b) => a - b);
      return `p50 ${quantile(s, 0.5).toFixed(1)}, p99 ${quantile(s, 0.99).toFixed(1)}`;
    };
    console.log(
      `${label} latency at ${String(RATE)} tx/s target (achieved ${summary.achieved.toFixed(0)} tx/s, ${String(summary.behind)} tx started >50 ms late; relay ${WAKE ? 'woken on commit' : 'polling every 5 ms'}): ` +
        `${String(handledAt.size)}/${String(total)} delivered, commit→handler p50 ${quantile(sorted, 0.5).toFixed(1)} ms, p90 ${quantile(sorted, 0.9).toFixed(1)} ms, p99 ${quantile(sorted, 0.99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms` +
        ` (commit→published ${spread(toPublish)} ms, published→handler ${spread(toHandler)} ms; published = the stream's message timestamp)`,
    );
  } finally {
    await subscription.close();
    await relay.close();
    await drop();
  }
}

try {
  if (ONLY === undefined || ONLY === 'redis') await throughput('redis');
  if (ONLY === undefined || ONLY === 'kafka') await throughput('kafka', (await resolveService('kafka')).brokers.join(','));
  if (ONLY === undefined || ONLY === 'latency' || ONLY === 'latency-redis') await latency('redis');
  if (ONLY === undefined || ONLY === 'latency' || ONLY === 'latency-kafka') await latency('kafka', (await resolveService('kafka')).brokers.join(','));
} finally {
  await admin.end({ timeout: 5 });
}
