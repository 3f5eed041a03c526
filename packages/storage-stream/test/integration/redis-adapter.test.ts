import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { createStorageClient, DEAD_LETTER, idempotentHandler, isStorageError, type Subscription } from '@sanctum/storage-core';
import type { StreamMessage, StreamStore } from '@sanctum/storage-core/spi';
import { resolveService } from '@sanctum/test-services';
import { createRedisStreamStore, redisStreams, type RedisStreamStoreOptions } from '../../src/redis/index.js';

const { url } = await resolveService('redis');
const raw = createClient({ url });
await raw.connect();
afterAll(() => raw.close());

const prefix = 'adapter:';
const ns = () => `redis-${randomBytes(4).toString('hex')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (message: StreamMessage) => Buffer.from(message.payload).toString('utf8');
const bytes = (value: string) => Buffer.from(value);

async function waitFor(condition: () => boolean, timeoutMs = 10_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function withStore(options: Partial<RedisStreamStoreOptions>, body: (store: StreamStore) => Promise<void>): Promise<void> {
  const store = createRedisStreamStore({ url, keyPrefix: prefix, ...options });
  await store.open!();
  try {
    await body(store);
  } finally {
    await store.close!();
  }
}

const base = { maxInFlight: 8, maxDeliveries: 3, ackTimeoutMs: 10_000 } as const;

describe('Redis Streams adapter', () => {
  it('bounds a stream by maxLength: trims acked entries, else waits and fails with BACKPRESSURE', async () => {
    await withStore({ maxLength: 50 }, async (store) => {
      const namespace = ns();
      const key = prefix + namespace;
      await raw.sendCommand(['XGROUP', 'CREATE', key, 'laggard', '0', 'MKSTREAM']);
      const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ payload: bytes(String(i)), key: `k${String(i)}`, headers: { h: String(i) } }));
      expect(await store.publish({ namespace, messages: batch(50) })).toHaveLength(50);
      const started = Date.now();
      const refused = await store.publish({ namespace, timeoutMs: 150, messages: batch(1) }).catch((error: unknown) => error);
      expect(isStorageError(refused, 'BACKPRESSURE')).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      // A batch larger than the bound can never fit.
      await expect(store.publish({ namespace, messages: batch(51) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

      // The laggard group catches up and acks: a waiting publish gets the trimmed room.
      const waiting = store.publish({ namespace, timeoutMs: 5_000, messages: batch(10) });
      const seen: StreamMessage[] = [];
      const subscription = await store.subscribe({ namespace, group: 'laggard', ...base, handler: async (m) => void seen.push(m) });
      expect(await waiting).toHaveLength(10);
      await waitFor(() => seen.length === 60);
      expect(seen[3]?.key).toBe('k3');
      expect(seen[3]?.headers).toEqual({ h: '3' });
      await subscription.close();
      expect(await raw.xLen(key)).toBeLessThanOrEqual(50);
      await raw.del(key);
    });
  });

  it('trims everything when no group exists and the bound is reached', async () => {
    await withStore({ maxLength: 10 }, async (store) => {
      const namespace = ns();
      for (let i = 0; i < 5; i += 1) await store.publish({ namespace, messages: Array.from({ length: 4 }, () => ({ payload: bytes('x') })) });
      expect(await raw.xLen(prefix + namespace)).toBeLessThanOrEqual(10);
      await raw.del(prefix + namespace);
    });
  });

  it('keeps roughly retention.maxLength entries (MAXLEN ~), also on the bounded path', async () => {
    await withStore({ retention: { maxLength: 100 } }, async (store) => {
      const namespace = ns();
      for (let i = 0; i < 20; i += 1) await store.publish({ namespace, messages: Array.from({ length: 100 }, () => ({ payload: bytes('x') })) });
      await store.publish({ namespace, messages: [{ payload: bytes('single') }] });
      const length = await raw.xLen(prefix + namespace);
      expect(length).toBeGreaterThanOrEqual(100);
      expect(length).toBeLessThan(400);
      await raw.del(prefix + namespace);
    });
    await withStore({ retention: { maxLength: 100 }, maxLength: 100_000 }, async (store) => {
      const namespace = ns();
      for (let i = 0; i < 20; i += 1) await store.publish({ namespace, messages: Array.from({ length: 100 }, () => ({ payload: bytes('x') })) });
      expect(await raw.xLen(prefix + namespace)).toBeLessThan(400);
      await raw.del(prefix + namespace);
    });
  });

  it('reclaims entries a dead consumer held (XAUTOCLAIM after ackTimeoutMs + grace) with their delivery count', async () => {
    await withStore({ reclaimIntervalMs: 100, reclaimGraceMs: 100 }, async (store) => {
      const namespace = ns();
      const key = prefix + namespace;
      await store.publish({ namespace, messages: Array.from({ length: 5 }, (_, i) => ({ payload: bytes(String(i)) })) });
      await raw.sendCommand(['XGROUP', 'CREATE', key, 'g', '0']);
      await raw.sendCommand(['XREADGROUP', 'GROUP', 'g', 'ghost', 'COUNT', '5', 'STREAMS', key, '>']);
      const seen: StreamMessage[] = [];
      const started = Date.now();
      const subscription = await store.subscribe({ namespace, group: 'g', ...base, ackTimeoutMs: 300, handler: async (m) => void seen.push(m) });
      await waitFor(() => seen.length === 5);
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
      expect(seen.map((m) => m.deliveryCount)).toEqual([2, 2, 2, 2, 2]);
      await subscription.close();
      const pending = (await raw.sendCommand(['XPENDING', key, 'g'])) as [number];
      expect(pending[0]).toBe(0);
      await raw.del(key);
    });
  });

  it('dead-letters without running the handler an entry delivered maxDeliveries times to consumers that stopped', async () => {
    await withStore({ reclaimIntervalMs: 100, reclaimGraceMs: 0 }, async (store) => {
      const namespace = ns();
      const key = prefix + namespace;
      const [id] = await store.publish({ namespace, messages: [{ payload: bytes('crasher'), key: 'k', headers: { origin: 'test' } }] });
      await raw.sendCommand(['XGROUP', 'CREATE', key, 'g', '0']);
      await raw.sendCommand(['XREADGROUP', 'GROUP', 'g', 'ghost-1', 'STREAMS', key, '>']);
      await raw.sendCommand(['XCLAIM', key, 'g', 'ghost-2', '0', id!.id]);
      await raw.sendCommand(['XCLAIM', key, 'g', 'ghost-3', '0', id!.id]);
      let ran = 0;
      const subscription = await store.subscribe({ namespace, group: 'g', ...base, ackTimeoutMs: 100, handler: async () => void (ran += 1) });
      let letters: [string, string[]][] = [];
      for (const deadline = Date.now() + 5_000; letters.length === 0 && Date.now() < deadline; await sleep(50)) {
        letters = (await raw.sendCommand(['XRANGE', `${key}.dead-letter`, '-', '+'])) as typeof letters;
      }
      await subscription.close();
      expect(ran).toBe(0);
      const fields = letters[0]![1];
      const headers = JSON.parse(fields[fields.indexOf('h') + 1]!) as Record<string, string>;
      expect(headers[DEAD_LETTER.attemptsHeader]).toBe('3');
      expect(headers[DEAD_LETTER.originalIdHeader]).toBe(id!.id);
      expect(headers['origin']).toBe('test');
      expect(fields[fields.indexOf('k') + 1]).toBe('k');
      await raw.del([key, `${key}.dead-letter`]);
    });
  });

  it('recreates a group whose stream was deleted under it, reporting NOT_FOUND', async () => {
    await withStore({}, async (store) => {
      const namespace = ns();
      const seen: string[] = [];
      const errors: unknown[] = [];
      const subscription = await store.subscribe({ namespace, group: 'g', ...base, handler: async (m) => void seen.push(text(m)), onError: (e) => errors.push(e) });
      await store.publish({ namespace, messages: [{ payload: bytes('before') }] });
      await waitFor(() => seen.length === 1);
      await raw.del(prefix + namespace);
      await waitFor(() => errors.some((e) => isStorageError(e, 'NOT_FOUND')), 10_000, 'NOGROUP to be reported');
      await sleep(200);
      await store.publish({ namespace, messages: [{ payload: bytes('after') }] });
      await waitFor(() => seen.includes('after'), 10_000, 'the message published after the group was recreated');
      await subscription.close();
      await raw.del(prefix + namespace);
    });
  });

  it('publishes a batch after the server forgot the publish script (EVALSHA → NOSCRIPT → EVAL), every argument in place', async () => {
    await raw.sendCommand(['SCRIPT', 'FLUSH']);
    await withStore({}, async (store) => {
      const namespace = ns();
      const messages = [
        { payload: bytes('a'), key: 'k1', headers: { h: '1' } },
        { payload: bytes('b') },
        { payload: bytes('c'), key: 'k3' },
      ];
      const receipts = await store.publish({ namespace, messages });
      expect(receipts).toHaveLength(3);
      const entries = await raw.xRange(prefix + namespace, '-', '+');
      expect(entries.map((entry) => entry.id)).toEqual(receipts.map((receipt) => receipt.id));
      expect(entries.map((entry) => entry.message)).toEqual([{ p: 'a', k: 'k1', h: '{"h":"1"}' }, { p: 'b' }, { p: 'c', k: 'k3' }]);
      await raw.del(prefix + namespace);
    });
  });

  it('reads entries written by other producers, with their fields as a JSON payload', async () => {
    // Also: no socket timeout, and scripts the server forgot (EVALSHA → NOSCRIPT → EVAL).
    await raw.sendCommand(['SCRIPT', 'FLUSH']);
    await withStore({ socketTimeoutMs: 0 }, async (store) => {
      const namespace = ns();
      await raw.xAdd(prefix + namespace, '*', { order: '42', state: 'paid' });
      const seen: StreamMessage[] = [];
      const subscription = await store.subscribe({ namespace, group: 'g', ...base, handler: async (m) => void seen.push(m) });
      await waitFor(() => seen.length === 1);
      await subscription.close();
      expect(JSON.parse(text(seen[0]!))).toEqual({ order: '42', state: 'paid' });
      expect(seen[0]!.headers).toEqual({});
      await raw.del(prefix + namespace);
    });
  });

  it('closes gracefully: acks what finished, leaves the rest pending, and leaves the group when it owns nothing', async () => {
    await withStore({}, async (store) => {
      const namespace = ns();
      const key = prefix + namespace;
      await store.publish({ namespace, messages: [{ payload: bytes('fast') }, { payload: bytes('slow') }] });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const seen: string[] = [];
      const subscription = await store.subscribe({
        namespace,
        group: 'g',
        consumer: 'closer',
        ...base,
        handler: async (m) => {
          seen.push(text(m));
          if (text(m) === 'slow') await gate;
        },
      });
      await waitFor(() => seen.length === 2);
      await subscription.close({ timeoutMs: 100 });
      await subscription.close();
      release();
      const pending = (await raw.sendCommand(['XPENDING', key, 'g', '-', '+', '10'])) as [string, string][];
      expect(pending).toHaveLength(1);
      expect(pending[0]![1]).toBe('closer');

      const again = await store.subscribe({ namespace, group: 'g', consumer: 'closer', ...base, handler: async (m) => void seen.push(text(m)) });
      await waitFor(() => seen.length === 3);
      expect(seen[2]).toBe('slow');
      await again.close();
      const consumers = (await raw.sendCommand(['XINFO', 'CONSUMERS', key, 'g'])) as unknown[];
      expect(consumers).toHaveLength(0);
      await raw.del(key);
    });
  });

  it('refuses a second consumer of the same name in one store, bad start positions and malformed requests', async () => {
    await withStore({}, async (store) => {
      const namespace = ns();
      const handler = async () => undefined;
      const first = await store.subscribe({ namespace, group: 'g', consumer: 'c', ...base, handler });
      await expect(store.subscribe({ namespace, group: 'g', consumer: 'c', ...base, handler })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      await expect(store.subscribe({ namespace, group: 'h', ...base, from: { afterId: 'nope' }, handler })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(store.subscribe({ namespace, group: 'h', ...base, maxInFlight: 0, handler })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(store.publish({ namespace, messages: [{ payload: 'x' as unknown as Uint8Array }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      // One rule on every adapter (docs/adr/005): an empty batch is a mistake, not a no-op.
      await expect(store.publish({ namespace, messages: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      const aborted = AbortSignal.abort();
      await expect(store.publish({ namespace, signal: aborted, messages: [{ payload: bytes('x') }] })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(store.subscribe({ namespace, group: 'h', ...base, signal: AbortSignal.abort(new DOMException('t', 'TimeoutError')), handler })).rejects.toMatchObject({
        code: 'TIMEOUT',
      });
      await first.close();
      await raw.del(prefix + namespace);
    });
  });

  it('starts a new group at a time, including the epoch', async () => {
    await withStore({}, async (store) => {
      const namespace = ns();
      await store.publish({ namespace, messages: [{ payload: bytes('a') }, { payload: bytes('b') }] });
      const seen: string[] = [];
      const subscription = await store.subscribe({ namespace, group: 'g', ...base, from: { fromTime: new Date(0) }, handler: async (m) => void seen.push(text(m)) });
      await waitFor(() => seen.length === 2);
      await subscription.close();
      await expect(store.subscribe({ namespace, group: 'x', ...base, from: { fromTime: new Date(Number.NaN) }, handler: async () => undefined })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await raw.del(prefix + namespace);
    });
  });

  it('reports health, fails after close, and refuses work once closed', async () => {
    const store = createRedisStreamStore({ url, keyPrefix: prefix });
    await store.open!();
    expect((await store.health!()).ok).toBe(true);
    await store.close!();
    const report = await store.health!();
    expect(report.ok).toBe(false);
    await expect(store.publish({ namespace: 'x', messages: [{ payload: bytes('x') }] })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(store.subscribe({ namespace: 'x', group: 'g', ...base, handler: async () => undefined })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('fails open() with UNAVAILABLE when Redis cannot be reached within connectTimeoutMs', async () => {
    const store = createRedisStreamStore({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 300 });
    const started = Date.now();
    await expect(store.open!()).rejects.toMatchObject({ code: 'UNAVAILABLE', adapter: 'redis-streams' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('turns waiting publishers away with UNAVAILABLE when the store closes', async () => {
    const store = createRedisStreamStore({ url, keyPrefix: prefix, maxLength: 1 });
    await store.open!();
    const namespace = ns();
    await raw.sendCommand(['XGROUP', 'CREATE', prefix + namespace, 'laggard', '0', 'MKSTREAM']);
    await store.publish({ namespace, messages: [{ payload: bytes('x') }] });
    const waiting = store.publish({ namespace, timeoutMs: 10_000, messages: [{ payload: bytes('y') }] }).catch((error: unknown) => error);
    await sleep(50);
    await store.close!();
    expect(isStorageError(await waiting, 'UNAVAILABLE')).toBe(true);
    await raw.del(prefix + namespace);
  });

  it('works through the facade: JSON payloads, dead letters, and the idempotent helper', async () => {
    const namespace = ns();
    const client = createStorageClient(
      {
        schemaVersion: 1,
        adapters: { redis: { use: 'redis-streams', options: { url, keyPrefix: prefix } } },
        namespaces: { [namespace]: { kind: 'stream', adapter: 'redis', maxInFlight: 4, maxDeliveries: 2, ackTimeoutMs: 5_000 } },
      },
      { adapters: [redisStreams()] },
    );
    const subscriptions: Subscription[] = [];
    try {
      const topic = client.streams<{ n: number }>(namespace);
      const effects: number[] = [];
      const once = idempotentHandler(async (message: { id: string; payload: { n: number } }) => void effects.push(message.payload.n), { ttlMs: 60_000 });
      subscriptions.push(
        await topic.subscribe('billing', async (message) => {
          await once(message);
          if (message.payload.n === 2 && message.deliveryCount === 1) throw new Error('lost the ack');
          if (message.payload.n === 3) throw new Error('poison');
        }),
      );
      const dead: number[] = [];
      subscriptions.push(await topic.deadLetters().subscribe('audit', async (message) => void dead.push(message.payload.n)));
      await topic.publish({ n: 1 }, { key: 'a' });
      await topic.publishBatch([{ payload: { n: 2 } }, { payload: { n: 3 } }]);
      await waitFor(() => effects.length === 3 && dead.length === 1);
      await sleep(200);
      expect(effects.sort()).toEqual([1, 2, 3]);
      expect(dead).toEqual([3]);
      expect((await client.health()).ok).toBe(true);
    } finally {
      await Promise.all(subscriptions.map((s) => s.close()));
      await client.close();
      await raw.del([prefix + namespace, `${prefix + namespace}.dead-letter`]);
    }
  });
});
