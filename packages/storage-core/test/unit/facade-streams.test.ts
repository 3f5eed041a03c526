import { describe, expect, it } from 'vitest';
import { createStorageClient, idempotentHandler, type Message } from '../../src/index.js';
import { defineAdapter, memoryStreams } from '../../src/spi/index.js';
import { createTestCache } from '../support/map-cache.js';

function topic() {
  const storage = createStorageClient({
    schemaVersion: 1,
    namespaces: { events: { kind: 'stream', maxDeliveries: 2, ackTimeoutMs: 2_000 } },
  });
  return storage.streams<{ n: number }>('events');
}

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('stream facade', () => {
  it('publishes JSON and hands decoded messages to the handler with key and headers', async () => {
    const events = topic();
    const got: Message<{ n: number }>[] = [];
    const sub = await events.subscribe('g', async (m) => void got.push(m), { consumer: 'c1', onError: () => {} });
    const receipt = await events.publish({ n: 1 }, { key: 'k1', headers: { h: 'v' }, correlationId: 'c' });
    const batch = await events.publishBatch([{ payload: { n: 2 } }, { payload: { n: 3 }, key: 'k3', headers: { x: 'y' } }], { timeoutMs: 100 });
    await until(() => got.length === 3);
    await sub.close();
    expect(receipt.id).toBe(got[0]!.id);
    expect(batch.map((b) => b.id)).toEqual([got[1]!.id, got[2]!.id]);
    expect(got.map((m) => m.payload.n)).toEqual([1, 2, 3]);
    expect(got[0]).toMatchObject({ key: 'k1', headers: { h: 'v' }, deliveryCount: 1 });
    expect(got[1]!.key).toBeUndefined();
    expect(got[0]!.publishedAt).toBeInstanceOf(Date);
  });

  it('dead-letters a poison message and exposes the dead-letter topic', async () => {
    const events = topic();
    const sub = await events.subscribe('g', async (m) => {
      if (m.payload.n === 13) throw new Error('poison');
    });
    await events.publish({ n: 13 });
    const dead: Message<{ n: number }>[] = [];
    const dlq = await events.deadLetters().subscribe('ops', async (m) => void dead.push(m));
    await until(() => dead.length === 1);
    await sub.close();
    await dlq.close();
    expect(dead[0]!.payload).toEqual({ n: 13 });
    expect(dead[0]!.headers['x-dead-letter-attempts']).toBe('2');
    expect(events.deadLetters().namespace).toBe('events.dead-letter');
  });

  it('a payload that is not JSON fails in the handler path and is redelivered, then dead-lettered', async () => {
    const store = memoryStreams().create({} as never, { instanceName: 'raw', logger: { log() {} } });
    const storage = createStorageClient(
      { schemaVersion: 1, adapters: { raw: { use: 'shared' } }, namespaces: { events: { kind: 'stream', adapter: 'raw', maxDeliveries: 2 } } },
      { adapters: [defineAdapter({ kind: 'stream', name: 'shared', optionsSchema: memoryStreams().optionsSchema, create: () => store })] },
    );
    await store.publish({ namespace: 'events', messages: [{ payload: new Uint8Array([0xff, 0xfe]) }] });
    let calls = 0;
    const sub = await storage.streams('events').subscribe('g', async () => void calls++);
    const dead: Array<{ headers: Readonly<Record<string, string>> }> = [];
    const dlq = await store.subscribe({
      namespace: 'events.dead-letter',
      group: 'd',
      handler: async (m) => void dead.push(m),
      maxInFlight: 1,
      maxDeliveries: 1,
      ackTimeoutMs: 1_000,
    });
    await until(() => dead.length === 1);
    await sub.close();
    await dlq.close();
    expect(calls).toBe(0);
    expect(dead[0]!.headers['x-dead-letter-error']).toContain('not valid UTF-8 JSON');
    expect(dead[0]!.headers['x-dead-letter-attempts']).toBe('2');
  });

  it('refuses a payload that is not JSON-encodable', async () => {
    await expect(topic().publish(undefined as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('idempotentHandler', () => {
  it('runs each message id once while remembered; failures stay retryable', async () => {
    const seen: string[] = [];
    let fail = true;
    const handle = idempotentHandler(async (m: { id: string }) => {
      if (m.id === 'b' && fail) {
        fail = false;
        throw new Error('transient');
      }
      seen.push(m.id);
    });
    await handle({ id: 'a' });
    await handle({ id: 'a' });
    await expect(handle({ id: 'b' })).rejects.toThrow('transient');
    await handle({ id: 'b' });
    await handle({ id: 'b' });
    expect(seen).toEqual(['a', 'b']);
  });

  it('a duplicate arriving while the first copy runs waits for it instead of running twice', async () => {
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handle = idempotentHandler(async () => {
      runs++;
      await gate;
    });
    const first = handle({ id: 'x' });
    const second = handle({ id: 'x' });
    release();
    await Promise.all([first, second]);
    expect(runs).toBe(1);
  });

  it('forgets ids after the TTL and bounds memory', async () => {
    let now = 0;
    let runs = 0;
    const handle = idempotentHandler(async () => void runs++, { ttlMs: 100, now: () => now, maxEntries: 2 });
    await handle({ id: '1' });
    now = 50;
    await handle({ id: '1' });
    now = 200;
    await handle({ id: '1' });
    expect(runs).toBe(2);
    await handle({ id: '2' });
    await handle({ id: '3' }); // evicts '1'
    await handle({ id: '1' });
    expect(runs).toBe(5);
  });

  it('dedupes across handlers sharing a CacheStore, with a custom key', async () => {
    const cache = createTestCache();
    let runs = 0;
    type Keyed = { readonly id: string; readonly key?: string };
    const options = { store: cache, keyOf: (m: Keyed) => m.key ?? m.id };
    const a = idempotentHandler<Keyed>(async () => void runs++, options);
    const b = idempotentHandler<Keyed>(async () => void runs++, options);
    await a({ id: '1', key: 'order-7' });
    await b({ id: '2', key: 'order-7' });
    expect(runs).toBe(1);
  });
});
