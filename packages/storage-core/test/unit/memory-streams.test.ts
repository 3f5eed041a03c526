import { describe, expect, it } from 'vitest';
import { DEAD_LETTER, deadLetterNamespace } from '../../src/index.js';
import { createMemoryStreamStore, memoryStreams } from '../../src/spi/index.js';
import type { StreamMessage, StreamStore, SubscribeRequest } from '../../src/spi/index.js';

const ns = 'events';
const bytes = (n: number) => new Uint8Array([n]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(2);
  }
}

function subscribe(store: StreamStore, request: Partial<SubscribeRequest> & Pick<SubscribeRequest, 'handler'>) {
  return store.subscribe({ namespace: ns, group: 'g', maxInFlight: 8, maxDeliveries: 5, ackTimeoutMs: 10_000, ...request });
}

function gate() {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('memory stream store', () => {
  it('is created by its factory with defaults filled by the schema', async () => {
    const factory = memoryStreams();
    expect(factory).toMatchObject({ kind: 'stream', name: 'memory' });
    const parsed = await factory.optionsSchema['~standard'].validate({});
    expect(parsed.issues).toBeUndefined();
    expect(parsed).toMatchObject({ value: { maxLength: 100_000, publishTimeoutMs: 5_000, closeTimeoutMs: 5_000 } });
    expect((await factory.optionsSchema['~standard'].validate({ maxLength: 0 })).issues).toBeDefined();
  });

  it('numbers messages <seq>-0 per namespace and copies payloads both ways', async () => {
    const store = createMemoryStreamStore();
    const payload = bytes(1);
    expect(await store.publish({ namespace: ns, messages: [{ payload }, { payload: bytes(2) }] })).toEqual([{ id: '1-0' }, { id: '2-0' }]);
    expect(await store.publish({ namespace: 'other', messages: [{ payload }] })).toEqual([{ id: '1-0' }]);
    payload[0] = 99;
    const got: StreamMessage[] = [];
    const sub = await subscribe(store, {
      handler: async (message) => {
        got.push(message);
        message.payload[0] = 77;
      },
    });
    await until(() => got.length === 2);
    expect([...got[0]!.payload]).toEqual([77]);
    await sub.close();
    const again: StreamMessage[] = [];
    await subscribe(store, { group: 'h', handler: async (message) => void again.push(message) });
    await until(() => again.length === 2);
    expect([...again[0]!.payload]).toEqual([1]);
    await store.close!();
  });

  it('trims the oldest messages when no group exists (retention)', async () => {
    const store = createMemoryStreamStore({ maxLength: 3 });
    for (const n of [1, 2, 3, 4, 5]) await store.publish({ namespace: ns, messages: [{ payload: bytes(n) }] });
    const seen: string[] = [];
    await subscribe(store, { handler: async (message) => void seen.push(message.id) });
    await until(() => seen.length === 3);
    expect(seen).toEqual(['3-0', '4-0', '5-0']);
    await expect(store.publish({ namespace: ns, messages: [1, 2, 3, 4].map((n) => ({ payload: bytes(n) })) })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await store.close!();
  });

  it('makes publish wait for room while a group lags, then fail with BACKPRESSURE', async () => {
    const store = createMemoryStreamStore({ maxLength: 2 });
    const hold = gate();
    await subscribe(store, { maxInFlight: 1, handler: () => hold.wait });
    await store.publish({ namespace: ns, messages: [{ payload: bytes(1) }, { payload: bytes(2) }] });
    const started = Date.now();
    await expect(store.publish({ namespace: ns, messages: [{ payload: bytes(3) }], timeoutMs: 50 })).rejects.toMatchObject({
      code: 'BACKPRESSURE',
      retryable: true,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    await expect(store.publish({ namespace: ns, messages: [{ payload: bytes(3) }], timeoutMs: 0 })).rejects.toMatchObject({ code: 'BACKPRESSURE' });
    // A waiting publisher gets in as soon as the group acks and frees room.
    const waiting = store.publish({ namespace: ns, messages: [{ payload: bytes(3) }], timeoutMs: 2_000 });
    await sleep(20);
    hold.open();
    expect(await waiting).toEqual([{ id: '3-0' }]);
    await store.close!();
  });

  it('fails waiting publishers with UNAVAILABLE when the store closes, and refuses later calls', async () => {
    const store = createMemoryStreamStore({ maxLength: 1 });
    await subscribe(store, { handler: () => new Promise(() => undefined) });
    await store.publish({ namespace: ns, messages: [{ payload: bytes(1) }] });
    const waiting = store.publish({ namespace: ns, messages: [{ payload: bytes(2) }], timeoutMs: 5_000 });
    await sleep(10);
    await store.close!();
    await expect(waiting).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(store.publish({ namespace: ns, messages: [{ payload: bytes(3) }] })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('releases in-flight messages on close({ timeoutMs }) and counts the next delivery', async () => {
    const store = createMemoryStreamStore();
    await store.publish({ namespace: ns, messages: [{ payload: bytes(1) }] });
    const first: StreamMessage[] = [];
    const sub = await subscribe(store, {
      consumer: 'c',
      handler: (message) => {
        first.push(message);
        return new Promise(() => undefined);
      },
    });
    await until(() => first.length === 1);
    await sub.close({ timeoutMs: 10 });
    const second: StreamMessage[] = [];
    await subscribe(store, { consumer: 'c', handler: async (message) => void second.push(message) });
    await until(() => second.length === 1);
    expect(second[0]).toMatchObject({ id: '1-0', deliveryCount: 2 });
    await store.close!();
  });

  it('ignores the late outcome of a handler that missed its ack timeout', async () => {
    const store = createMemoryStreamStore();
    await store.publish({ namespace: ns, messages: [{ payload: bytes(1) }] });
    const deliveries: number[] = [];
    await subscribe(store, {
      ackTimeoutMs: 20,
      handler: async (message) => {
        deliveries.push(message.deliveryCount);
        if (message.deliveryCount === 1) {
          await sleep(60);
          throw new Error('late failure');
        }
      },
    });
    await sleep(150);
    expect(deliveries).toEqual([1, 2]);
    await store.close!();
  });

  it('refuses a second active consumer of the same name and malformed subscriptions', async () => {
    const store = createMemoryStreamStore();
    await subscribe(store, { consumer: 'c', handler: async () => undefined });
    await expect(subscribe(store, { consumer: 'c', handler: async () => undefined })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(subscribe(store, { group: '', handler: async () => undefined })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(subscribe(store, { group: 'x', maxInFlight: 0, handler: async () => undefined })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(subscribe(store, { group: 'y', from: { afterId: 'nope' }, handler: async () => undefined })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(store.publish({ namespace: ns, messages: [{ payload: 'text' as never }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await store.close!();
  });

  it('keeps a poison message pending and reports onError while the dead-letter stream is full', async () => {
    const store = createMemoryStreamStore({ maxLength: 1 });
    const dl = gate();
    await store.subscribe({ namespace: deadLetterNamespace(ns), group: 'dlq', maxInFlight: 1, maxDeliveries: 5, ackTimeoutMs: 10_000, handler: () => dl.wait });
    await store.publish({ namespace: ns, messages: [{ payload: bytes(1) }] });
    const errors: unknown[] = [];
    let attempts = 0;
    await subscribe(store, {
      maxDeliveries: 1,
      onError: (error) => errors.push(error),
      handler: async () => {
        attempts += 1;
        throw new Error('poison');
      },
    });
    await until(() => attempts === 1);
    await store.publish({ namespace: ns, messages: [{ payload: bytes(2) }] }).catch(() => undefined);
    await until(() => errors.length >= 1);
    expect(errors[0]).toMatchObject({ code: 'BACKPRESSURE' });
    const before = attempts;
    await sleep(50);
    expect(attempts - before).toBeLessThanOrEqual(1); // no spinning while the dead-letter stream is full
    dl.open();
    const letters: StreamMessage[] = [];
    await store.subscribe({
      namespace: deadLetterNamespace(ns),
      group: 'audit',
      maxInFlight: 4,
      maxDeliveries: 5,
      ackTimeoutMs: 10_000,
      handler: async (message) => void letters.push(message),
    });
    await until(() => letters.length >= 2, 3_000);
    expect(letters.map((letter) => letter.headers[DEAD_LETTER.originalIdHeader])).toEqual(['1-0', '2-0']);
    await store.close!();
  });
});
