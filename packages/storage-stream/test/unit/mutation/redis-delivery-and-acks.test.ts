import { describe, expect, it } from 'vitest';
import { ErrorReply } from 'redis';
import { claimReply, fakeStore, idleRedis, readReply, subscribeRequest, type FakeRedisServer } from '../../support/fake-redis.js';

// Pins the Redis subscription's delivery and ack path against a scripted server: what a redelivery
// past maxDeliveries and a handler that misses its deadline write to the dead-letter stream, and how
// a failed message is claimed again (XCLAIM with idle 0) and rerun with the next delivery count;
// how acks are batched and on which connection they go, that a delivery ending without an ack still
// frees its slot, and what close waits for and never acks.

const setup = (server: FakeRedisServer) => fakeStore(server);

const request = subscribeRequest;

describe('Redis delivery past maxDeliveries', () => {
  it('dead-letters a reclaimed entry without running it, saying how many deliveries went unacknowledged', async () => {
    const reclaims = [claimReply('0-0', [['5-0', ['p', 'stuck']]], [3])];
    const server = idleRedis({ 'SCRIPT reclaim': () => reclaims.shift() ?? claimReply('0-0', [], []) });
    const store = setup(server);
    await store.open!();
    let runs = 0;
    const subscription = await store.subscribe(request({ handler: async () => void (runs += 1) }));
    const call = await server.waitForCall((c) => c[1] === 'dead-letter');
    expect(runs).toBe(0);
    const text = call.join('\n');
    expect(text).toContain('StorageError: not acknowledged after 2 deliveries; the consumers holding it stopped');
    expect(call).toContain('5-0');
    // The attempts header counts the deliveries that went unacknowledged, as the error text says.
    expect(JSON.parse(call[call.indexOf('h') + 1]!)).toMatchObject({ 'x-dead-letter-attempts': '2', 'x-dead-letter-original-id': '5-0' });
    await subscription.close();
    await store.close!();
  });
});

describe('Redis handler deadline', () => {
  it('a handler that misses ackTimeoutMs on its last delivery is dead-lettered with the deadline in the error', async () => {
    const server = idleRedis();
    const store = setup(server);
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'slow']]]));
    const subscription = await store.subscribe(request({ maxDeliveries: 1, ackTimeoutMs: 20, handler: () => new Promise(() => undefined) }));
    const call = await server.waitForCall((c) => c[1] === 'dead-letter');
    expect(call.join('\n')).toContain('StorageError: handler did not finish within 20 ms');
    expect(server.calls.some((c) => c[0] === 'XACK')).toBe(false);
    await subscription.close();
    await store.close!();
  });
});

describe('Redis redelivery after a failure', () => {
  it('claims the entry again with idle 0 and reruns it with the next delivery count, then acks it', async () => {
    const server = idleRedis({ XCLAIM: (args) => [[Buffer.from(args[5]!), [Buffer.from('p'), Buffer.from('again')]]] });
    const store = setup(server);
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'first']]]));
    const seen: string[] = [];
    const subscription = await store.subscribe(
      request({
        maxDeliveries: 3,
        handler: async (m) => {
          seen.push(`${Buffer.from(m.payload).toString()}#${String(m.deliveryCount)}`);
          if (m.deliveryCount === 1) throw new Error('once');
        },
      }),
    );
    const ack = await server.waitForCall((c) => c[0] === 'XACK');
    expect(seen).toEqual(['first#1', 'again#2']);
    expect(server.calls.find((c) => c[0] === 'XCLAIM')).toEqual(['XCLAIM', 'ns', 'g', expect.stringMatching(/^consumer-/), '0', '1-0']);
    expect(ack.slice(-1)).toEqual(['1-0']);
    await subscription.close();
    await store.close!();
  });
});

describe('Redis acks', () => {
  it('handlers that finish together share one XACK, and the slots free for the next read', async () => {
    const server = idleRedis();
    const store = setup(server);
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'a']], ['2-0', ['p', 'b']], ['3-0', ['p', 'c']]]));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const seen: string[] = [];
    const subscription = await store.subscribe(
      request({
        maxInFlight: 3,
        handler: async (m) => {
          seen.push(m.id);
          await gate;
        },
      }),
    );
    await server.waitForCall((c) => c[0] === 'XREADGROUP');
    for (let i = 0; i < 200 && seen.length < 3; i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
    open();
    server.reads.push(() => readReply('ns', [['4-0', ['p', 'd']]]));
    const ack = await server.waitForCall((c) => c[0] === 'XACK');
    expect(ack.slice(3)).toEqual(['1-0', '2-0', '3-0']);
    await server.waitForCall((c) => c[0] === 'XACK' && c.includes('4-0'));
    expect(server.calls.filter((c) => c[0] === 'XACK').map((c) => c.slice(3))).toEqual([['1-0', '2-0', '3-0'], ['4-0']]);
    await subscription.close();
    await store.close!();
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise and the function that resolves it: a handler held until the test lets it finish. */
function gate(): { readonly wait: Promise<void>; readonly open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

const xacks = (server: FakeRedisServer) => server.calls.filter((c) => c[0] === 'XACK').map((c) => c.slice(3));

describe('Redis acks while the loop waits in a blocking read', () => {
  // blockMs and reclaimIntervalMs long: after the first read the loop sits in a blocking XREADGROUP.
  const options = { blockMs: 5_000, reclaimIntervalMs: 5_000 };

  it('handlers that finish in the same tick share one XACK on the shared connection', async () => {
    const server = idleRedis();
    const store = fakeStore(server, options);
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'a']], ['2-0', ['p', 'b']], ['3-0', ['p', 'c']]]));
    const held = gate();
    let started = 0;
    const subscription = await store.subscribe(
      request({
        maxInFlight: 4,
        handler: async () => {
          started += 1;
          await held.wait;
        },
      }),
    );
    for (let i = 0; i < 200 && (started < 3 || server.pendingReads.size === 0); i += 1) await sleep(5);
    held.open();
    await server.waitForCall((c) => c[0] === 'XACK');
    await sleep(20);
    expect(xacks(server)).toEqual([['1-0', '2-0', '3-0']]);
    await subscription.close();
    await store.close!();
  });

  it('acks the last running handler at once, without waiting a turn of the event loop for others', async () => {
    // The XACK of 2-0 stays unanswered: its slot is still taken when 3-0, the last one running, finishes.
    const unanswered = gate();
    const server = idleRedis({ XACK: async (args) => (args.includes('2-0') ? unanswered.wait.then(() => 1) : 1) });
    const store = fakeStore(server, options);
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'a']], ['2-0', ['p', 'b']], ['3-0', ['p', 'c']]]));
    const gates = new Map([
      ['1-0', gate()],
      ['2-0', gate()],
      ['3-0', gate()],
    ]);
    let ackedBeforeNextTurn: boolean | undefined;
    const subscription = await store.subscribe(
      request({
        maxInFlight: 4,
        handler: async (m) => {
          await gates.get(m.id)!.wait;
          // Runs on the next turn of the event loop: the ack of the last handler must be out by then.
          if (m.id === '3-0') setImmediate(() => (ackedBeforeNextTurn = server.calls.some((c) => c[0] === 'XACK' && c.includes('3-0'))));
        },
      }),
    );
    await server.waitForCall((c) => c[0] === 'XREADGROUP');
    for (let i = 0; i < 200 && server.pendingReads.size === 0; i += 1) await sleep(5);
    gates.get('1-0')!.open();
    await server.waitForCall((c) => c[0] === 'XACK' && c.includes('1-0'));
    gates.get('2-0')!.open();
    await server.waitForCall((c) => c[0] === 'XACK' && c.includes('2-0'));
    gates.get('3-0')!.open();
    await server.waitForCall((c) => c[0] === 'XACK' && c.includes('3-0'));
    await sleep(5);
    expect(ackedBeforeNextTurn).toBe(true);
    expect(xacks(server)).toEqual([['1-0'], ['2-0'], ['3-0']]);
    unanswered.open();
    await subscription.close();
    await store.close!();
  });
});

describe('Redis slots after a delivery ends without an ack', () => {
  it('a dead-lettered message frees its slot: the next one is read and handled', async () => {
    const server = idleRedis();
    const store = fakeStore(server);
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'poison']]]));
    server.reads.push(() => readReply('ns', [['2-0', ['p', 'fine']]]));
    const seen: string[] = [];
    const subscription = await store.subscribe(
      request({
        maxInFlight: 1,
        maxDeliveries: 1,
        handler: async (m) => {
          seen.push(m.id);
          if (m.id === '1-0') throw new Error('poison');
        },
      }),
    );
    const ack = await server.waitForCall((c) => c[0] === 'XACK');
    expect(ack.slice(3)).toEqual(['2-0']);
    expect(seen).toEqual(['1-0', '2-0']);
    expect(server.calls.filter((c) => c[1] === 'dead-letter').map((c) => c[6])).toEqual(['1-0']);
    await subscription.close();
    await store.close!();
  });

  it('a failed message whose entry is gone when claimed again is dropped quietly, and its slot frees', async () => {
    // Redis 7 leaves a trimmed entry out of the XCLAIM reply; 6.2 answers it with nil fields.
    const server = idleRedis({ XCLAIM: (args) => (args[5] === '1-0' ? [] : [[Buffer.from(args[5]!), null]]) });
    const store = fakeStore(server);
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'trimmed']]]));
    server.reads.push(() => readReply('ns', [['2-0', ['p', 'deleted']]]));
    server.reads.push(() => readReply('ns', [['3-0', ['p', 'next']]]));
    const seen: string[] = [];
    const errors: unknown[] = [];
    const subscription = await store.subscribe(
      request({
        maxInFlight: 1,
        handler: async (m) => {
          seen.push(m.id);
          if (m.id !== '3-0') throw new Error('fails');
        },
        onError: (error) => errors.push(error),
      }),
    );
    await server.waitForCall((c) => c[0] === 'XACK');
    expect(seen).toEqual(['1-0', '2-0', '3-0']);
    expect(xacks(server)).toEqual([['3-0']]);
    expect(errors).toEqual([]);
    await subscription.close();
    await store.close!();
  });

  it('a failed XCLAIM is reported as a consume error and leaves the entry for the reclaim loop', async () => {
    const server = idleRedis({
      XCLAIM: () => {
        throw new ErrorReply('LOADING Redis is loading');
      },
    });
    const store = fakeStore(server);
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'a']]]));
    const errors: { code: string; operation: string }[] = [];
    let runs = 0;
    const subscription = await store.subscribe(
      request({
        handler: async () => {
          runs += 1;
          throw new Error('fails');
        },
        onError: (error) => errors.push(error as never),
      }),
    );
    for (let i = 0; i < 200 && errors.length === 0; i += 1) await sleep(5);
    expect(errors.map((e) => `${e.operation}:${e.code}`)).toEqual(['streams.consume:UNAVAILABLE']);
    expect(runs).toBe(1);
    expect(xacks(server)).toEqual([]);
    await subscription.close();
    await store.close!();
  });

  it('a redelivered binary payload reaches the handler byte for byte', async () => {
    const binary = Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x80]);
    const server = idleRedis({ XCLAIM: (args) => [[Buffer.from(args[5]!), [Buffer.from('p'), binary]]] });
    const store = fakeStore(server);
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'first']]]));
    const payloads: Buffer[] = [];
    const subscription = await store.subscribe(
      request({
        handler: async (m) => {
          payloads.push(Buffer.from(m.payload));
          if (m.deliveryCount === 1) throw new Error('once');
        },
      }),
    );
    await server.waitForCall((c) => c[0] === 'XACK');
    expect(payloads.map((p) => p.toString('hex'))).toEqual([Buffer.from('first').toString('hex'), binary.toString('hex')]);
    await subscription.close();
    await store.close!();
  });
});

describe('Redis close', () => {
  it('an idle subscription closes without sending an XACK', async () => {
    const server = idleRedis();
    const store = fakeStore(server);
    await store.open!();
    const subscription = await store.subscribe(request({ handler: async () => undefined }));
    await server.waitForCall((c) => c[0] === 'XREADGROUP');
    await subscription.close();
    expect(xacks(server)).toEqual([]);
    expect(server.calls.at(-1)?.[1]).toBe('leave');
    await store.close!();
  });

  it('waits for every running handler, acks each, and returns as soon as the last one is done', async () => {
    const server = idleRedis();
    const store = fakeStore(server);
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'quick']], ['2-0', ['p', 'slow']]]));
    let started = 0;
    const subscription = await store.subscribe(
      request({
        handler: async (m) => {
          started += 1;
          await sleep(m.id === '1-0' ? 20 : 120);
        },
      }),
    );
    for (let i = 0; i < 200 && started < 2; i += 1) await sleep(5);
    const began = Date.now();
    await subscription.close({ timeoutMs: 3_000 });
    expect(Date.now() - began).toBeLessThan(1_500);
    expect(xacks(server).flat().sort()).toEqual(['1-0', '2-0']);
    await store.close!();
  });

  it('never acks a handler that finishes after close gave up on it', async () => {
    const server = idleRedis();
    const store = fakeStore(server);
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'late']]]));
    const held = gate();
    let started = false;
    const subscription = await store.subscribe(
      request({
        handler: async () => {
          started = true;
          await held.wait;
        },
      }),
    );
    for (let i = 0; i < 200 && !started; i += 1) await sleep(5);
    await subscription.close({ timeoutMs: 30 });
    held.open();
    await sleep(30);
    expect(xacks(server)).toEqual([]);
    await store.close!();
  });
});
