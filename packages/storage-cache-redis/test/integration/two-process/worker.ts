// One process of the two-process test (two-process.test.ts): a writer or a reader with its own
// storage client over the rig's PostgreSQL (records) and Redis (cache, with an L1 in front).
// Driven over IPC: `go` starts, `stop` ends the reader; results go back as one message.
import { createStorageClient, type AdapterFactory } from '@sanctum/storage-core';
import { type CacheStore } from '@sanctum/storage-core/spi';
import { postgres } from '@sanctum/storage-postgres';
import { redisCache } from '../../../src/index.js';

interface Settings {
  readonly role: 'writer' | 'reader';
  readonly pgUrl: string;
  readonly schema: string;
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly keys: number;
  readonly writes: number;
  readonly pacingMs: number;
  readonly fanout: boolean;
}

const settings = JSON.parse(process.argv[2]!) as Settings;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const send = (message: unknown) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

// Fan-out switched off: the cache never publishes, so other processes' L1 copies are never dropped.
const base = redisCache();
const cacheFactory: AdapterFactory = {
  ...base,
  create: (options, context) => {
    const store: CacheStore = { ...base.create(options as never, context) };
    if (!settings.fanout) delete store.publishInvalidation;
    return store;
  },
};

const client = createStorageClient(
  {
    schemaVersion: 1,
    adapters: { pg: { use: 'postgres', options: { url: settings.pgUrl, schema: settings.schema, poolSize: 4 } } },
    caches: {
      shared: { use: 'redis', options: { url: settings.redisUrl, keyPrefix: settings.keyPrefix, fillFenceMs: 100, l1: { maxEntries: 1_000 } } },
    },
    namespaces: { docs: { kind: 'record', adapter: 'pg', cache: 'shared', consistency: 'strong', stalenessBudgetMs: 0, cacheTtlMs: 30_000 } },
  },
  { adapters: [postgres(), cacheFactory] },
);
const docs = client.records<{ n: number }>('docs');
const keyOf = (i: number) => `k${i % settings.keys}`;

let go: () => void;
let stop: () => void;
const started = new Promise<void>((resolve) => (go = resolve));
const stopped = new Promise<void>((resolve) => (stop = resolve));
process.on('message', (message) => (message === 'go' ? go() : stop()));

if (settings.role === 'writer') {
  // Version n of key k(n % keys); every key exists before the reader starts.
  for (let k = 0; k < settings.keys; k++) await docs.put(keyOf(k), { n: -1 });
  await send({ ready: true });
  await started;
  const acks: Array<{ key: string; n: number; at: number }> = [];
  for (let n = 0; n < settings.writes; n++) {
    await docs.put(keyOf(n), { n });
    acks.push({ key: keyOf(n), n, at: now() });
    await sleep(settings.pacingMs);
  }
  await send({ acks });
} else {
  await send({ ready: true });
  await started;
  let running = true;
  // First time each (key, n) was seen by an eventual read; every strong read's start and result.
  const seen: Array<{ key: string; n: number; at: number }> = [];
  const strong: Array<{ key: string; n: number; start: number }> = [];
  const eventualLoop = async (k: number) => {
    let last = -2;
    while (running) {
      const entry = await docs.get(keyOf(k), { consistency: 'eventual' });
      const at = now();
      if (entry.value.n > last) seen.push({ key: keyOf(k), n: (last = entry.value.n), at });
      await sleep(2);
    }
  };
  const strongLoop = async () => {
    let i = 0;
    while (running) {
      const key = keyOf(i++);
      const start = now();
      const entry = await docs.get(key);
      strong.push({ key, n: entry.value.n, start });
      await sleep(10);
    }
  };
  const loops = [...Array.from({ length: settings.keys }, (_, k) => eventualLoop(k)), strongLoop()];
  await stopped;
  running = false;
  await Promise.all(loops);
  await send({ seen, strong });
}
await client.close();
process.exit(0);
