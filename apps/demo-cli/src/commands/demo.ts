import { createHash } from 'node:crypto';
import { createNoopMetrics, createStorageClient, isStorageError, type CacheLabels, type StorageClient, type StorageConfigInput, type StorageMetrics } from '@sanctum/storage-core';
import { memoryCache } from '@sanctum/storage-cache-memory';
import { factoriesFor } from '../runtime.js';
import type { LoadedConfig } from '../config/load.js';
import { describeError, type Printer } from '../print.js';

/** No `adapter` on a namespace means core's embedded in-memory store: the tour needs no servers. */
const CONFIG = {
  schemaVersion: 1,
  caches: { hot: { use: 'memory', options: { maxEntries: 1_000, ttlMs: 30_000 } } },
  namespaces: {
    media: { kind: 'blob', checksum: 'sha256' },
    users: { kind: 'record', cache: 'hot', consistency: 'strong', cacheTtlMs: 30_000 },
    invoices: { kind: 'stream', maxDeliveries: 3, ackTimeoutMs: 5_000 },
  },
} satisfies StorageConfigInput;

type User = { name: string; plan: string };
type Invoice = { invoice: number; amount: number; run: string };

/** Keys and payloads carry the run id, so repeated tours on real servers never see each other's data. */
let RUN = '';

/** Metrics that only count cache results, so the tour can show hits and misses. */
function cacheCountingMetrics(): { metrics: StorageMetrics; counts: Record<CacheLabels['result'], number> } {
  const counts = { hit: 0, miss: 0, stale: 0 };
  const metrics: StorageMetrics = {
    ...createNoopMetrics(),
    cacheRequestsTotal: { bind: (labels: CacheLabels) => ({ inc: (value = 1) => void (counts[labels.result] += value) }) },
  };
  return { metrics, counts };
}

async function blobs(client: StorageClient, out: Printer): Promise<void> {
  out.step(2, 'Blobs: put an object, read it back with its SHA-256 verified');
  const media = client.blobs('media');
  const body = 'Quarterly report, Q1: revenue up, costs down. (demo content)\n';
  const put = await media.put(`${RUN}reports/2025/q1.txt`, body, { contentType: 'text/plain' });
  out.field('put', `media/${RUN}reports/2025/q1.txt`);
  out.field('size', `${put.size} bytes`);
  out.field('etag', put.etag);
  const meta = await media.head(`${RUN}reports/2025/q1.txt`);
  const stored = meta.metadata['sanctum-sha256'] ?? '(none)';
  out.field('sha256', stored);
  const bytes = await media.getBytes(`${RUN}reports/2025/q1.txt`);
  const local = createHash('sha256').update(bytes).digest('hex');
  out.field('get', `${bytes.length} bytes, checksum verified on read (${local === stored ? 'matches' : 'DIFFERS FROM'} a local SHA-256)`);
}

async function records(client: StorageClient, out: Printer): Promise<void> {
  out.step(3, 'Records: versions, ETags and optimistic locking');
  const users = client.records<User>('users');
  const first = await users.put(`${RUN}t1/u42`, { name: 'Ada', plan: 'free' });
  out.field('put', `users/${RUN}t1/u42 -> version ${first.version}, etag ${first.etag}`);
  const second = await users.put(`${RUN}t1/u42`, { name: 'Ada', plan: 'pro' }, { ifMatch: first.etag });
  out.field('put ifMatch', `with the current etag -> version ${second.version}, etag ${second.etag}`);
  try {
    await users.put(`${RUN}t1/u42`, { name: 'Ada', plan: 'enterprise' }, { ifMatch: first.etag });
    out.field('put ifMatch', 'with a stale etag -> UNEXPECTEDLY SUCCEEDED');
  } catch (error) {
    if (!isStorageError(error, 'PRECONDITION_FAILED')) throw error;
    out.field('put ifMatch', 'with the stale etag -> rejected');
    out.field('error code', error.code);
    out.field('message', error.message);
  }
  const current = await users.get(`${RUN}t1/u42`);
  out.field('get', `version ${current.version}, plan "${current.value.plan}" (the conflicting write changed nothing)`);
}

async function streams(client: StorageClient, out: Printer): Promise<void> {
  out.step(4, 'Streams: publish, consume in a group, ack; a failing handler is redelivered');
  const invoices = client.streams<Invoice>('invoices');
  const expected = 3;
  const acked = new Set<number>();
  let failedOnce = false;
  let allAcked!: () => void;
  const done = new Promise<void>((resolve) => (allAcked = resolve));
  for (let invoice = 1; invoice <= expected; invoice++) {
    const { id } = await invoices.publish({ invoice, amount: invoice * 100, run: RUN }, { key: `customer-${invoice}` });
    out.field('publish', `invoice ${invoice} -> message ${id}`);
  }
  // Subscribing after publishing: a new group starts from the earliest message.
  const subscription = await invoices.subscribe(`billing${RUN === '' ? '' : `-${RUN.slice(0, -1)}`}`, async (message) => {
    const { invoice, run } = message.payload;
    if (run !== RUN) return; // an earlier tour's message on a real server: ack and skip it
    if (invoice === 2 && !failedOnce) {
      failedOnce = true;
      out.field('deliver', `invoice ${invoice} (delivery ${message.deliveryCount}) -> handler threw, not acked: will be redelivered`);
      throw new Error('payment gateway timed out (simulated)');
    }
    out.field('deliver', `invoice ${invoice} (delivery ${message.deliveryCount}) -> handled, acked`);
    acked.add(invoice);
    if (acked.size === expected) allAcked();
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // A consumer-group join on a real broker (Kafka) takes seconds; the embedded store is immediate.
    const limitMs = RUN === '' ? 10_000 : 45_000;
    timer = setTimeout(() => reject(new Error(`only ${acked.size} of ${expected} messages were acked within ${limitMs / 1000} s`)), limitMs);
  });
  try {
    await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
    await subscription.close();
  }
  out.field('result', `${acked.size} of ${expected} acked in group "billing"; invoice 2 was redelivered once`);
}

async function cache(client: StorageClient, out: Printer, counts: Record<CacheLabels['result'], number>): Promise<void> {
  out.step(5, 'Cache: the same record read twice with consistency "eventual"');
  const users = client.records<User>('users');
  await users.put(`${RUN}t1/u7`, { name: 'Grace', plan: 'free' });
  out.field('put', `users/${RUN}t1/u7 (a write purges the cache entry, so the next read goes to the store)`);
  const start = { ...counts };
  for (const attempt of [1, 2]) {
    const before = { ...counts };
    const record = await users.get(`${RUN}t1/u7`, { consistency: 'eventual' });
    const result = counts.hit > before.hit ? 'cache hit (served from cache "hot")' : counts.miss > before.miss ? 'cache miss (read from the store, cache filled)' : 'cache not consulted';
    out.field(`read ${attempt}`, `${result}, version ${record.version}`);
  }
  out.field('counted', `${counts.hit - start.hit} hit, ${counts.miss - start.miss} miss (storage_cache_requests_total{result})`);
}

/** `demo`: a numbered tour of the facade on the embedded memory stores. Exit 0 when it completes. */
export async function runDemo(out: Printer, config?: LoadedConfig): Promise<number> {
  const { metrics, counts } = cacheCountingMetrics();
  let client: StorageClient;
  if (config === undefined) {
    RUN = '';
    out.line('sanctum-storage demo: @sanctum/storage on embedded in-memory stores (no servers needed)');
    client = createStorageClient(CONFIG, { adapters: [memoryCache()], metrics });
  } else {
    RUN = `demo-${Date.now().toString(36)}-${process.pid}/`;
    out.line(`sanctum-storage demo: @sanctum/storage on the adapters of ${config.file}`);
    client = createStorageClient(config.input, { adapters: await factoriesFor(config), metrics });
  }
  try {
    out.step(1, 'Create the client');
    out.field('namespaces', 'media (blob), users (record, cache "hot"), invoices (stream)');
    if (config === undefined) {
      out.field('stores', 'embedded memory (no "adapter" set on the namespaces)');
      out.field('cache "hot"', '@sanctum/storage-cache-memory, maxEntries 1000, ttlMs 30000');
    } else {
      for (const name of ['media', 'users', 'invoices']) {
        const ns = config.parsed.namespaces[name];
        const adapter = ns?.adapter === undefined ? undefined : config.parsed.adapters[ns.adapter];
        out.field(name, ns === undefined ? 'MISSING from the config' : adapter === undefined ? 'embedded memory' : `adapter "${ns.adapter}" (${adapter.use})`);
      }
      const hot = config.parsed.caches['hot'];
      out.field('cache "hot"', hot === undefined ? 'MISSING from the config' : `${hot.use}`);
      out.field('run id', RUN.slice(0, -1));
    }
    await blobs(client, out);
    await records(client, out);
    await streams(client, out);
    await cache(client, out, counts);
    out.step(6, 'Health and shutdown');
    const health = await client.health();
    out.field('health', `${health.ok ? 'ok' : 'NOT OK'} (${Object.keys(health.adapters).join(', ') || 'no adapters opened'})`);
  } catch (error) {
    out.line();
    out.line(`demo failed: ${describeError(error)}`);
    await client.close();
    return 1;
  }
  await client.close();
  out.field('close', 'client closed');
  out.line();
  out.line('Done.');
  return 0;
}
