import { describe, expect, it } from 'vitest';
import { isStorageError, type LogEvent } from '@sanctum/storage-core';
import type { StreamMessage } from '@sanctum/storage-core/spi';
import { ErrorReply } from 'redis';
import { claimReply, fakeStore, idleRedis, readReply, subscribeRequest } from '../support/fake-redis.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

const setup = fakeStore;

const request = subscribeRequest;

describe('Redis store against a fake server', () => {
  it('fails open() when the connection, INFO or the server version fail', async () => {
    const refused = idleRedis();
    refused.connectError = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    await expect(setup(refused).open!()).rejects.toMatchObject({ code: 'UNAVAILABLE', operation: 'open' });

    const old = idleRedis({ INFO: () => 'redis_version:6.0.9' });
    await expect(setup(old).open!()).rejects.toMatchObject({ code: 'UNSUPPORTED', details: { version: '6.0.9' } });
    const unknown = idleRedis({ INFO: () => '# nothing' });
    await expect(setup(unknown).open!()).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    const newer = idleRedis({ INFO: () => 'redis_version:8.2.1' });
    await setup(newer).open!();
    const minor = idleRedis({ INFO: () => 'redis_version:6.2.0' });
    await setup(minor).open!();
    const failing = idleRedis({
      INFO: () => {
        throw new ErrorReply('NOPERM no INFO for you');
      },
    });
    await expect(setup(failing).open!()).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it('logs connection errors through the adapter context and probes health', async () => {
    const server = idleRedis();
    const logs: LogEvent[] = [];
    const store = setup(server, {}, logs);
    await store.open!();
    server.settings[0]!.onError(new Error('socket hang up'));
    server.settings[0]!.onError('weird');
    expect(logs.map((event) => event['message'])).toEqual(['socket hang up', 'weird']);
    expect((await store.health!()).ok).toBe(true);
    await store.close!();
  });

  it('frees the consumer name when a subscribe fails after creating the group', async () => {
    const server = idleRedis();
    const store = setup(server);
    await store.open!();
    server.readerConnectError = new ErrorReply('NOAUTH Authentication required');
    const handler = async () => undefined;
    await expect(store.subscribe(request({ consumer: 'c', handler }))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    server.readerConnectError = undefined;
    const subscription = await store.subscribe(request({ consumer: 'c', handler }));
    await subscription.close();
    const broken = idleRedis({
      XGROUP: () => {
        throw new ErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value');
      },
    });
    const other = setup(broken);
    await other.open!();
    await expect(other.subscribe(request({ handler }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await store.close!();
  });

  it('reports read failures, recreates a vanished group and keeps reading', async () => {
    const server = idleRedis();
    const store = setup(server);
    await store.open!();
    server.reads.push(() => {
      throw new ErrorReply('NOGROUP No such key or consumer group');
    });
    server.reads.push(() => readReply('ns', [['5-0', ['p', 'hello']]]));
    const errors: unknown[] = [];
    const seen: StreamMessage[] = [];
    const subscription = await store.subscribe(
      request({
        handler: async (m) => void seen.push(m),
        onError: (error) => {
          errors.push(error);
          throw new Error('a broken onError must not stop delivery');
        },
      }),
    );
    await waitFor(() => seen.length === 1);
    expect(isStorageError(errors[0], 'NOT_FOUND')).toBe(true);
    expect(server.calls.filter((c) => c[0] === 'XGROUP')).toHaveLength(2);
    await subscription.close();
    await store.close!();
  });

  it('leaves a failed message pending when claiming it again fails or finds it gone', async () => {
    let claims = 0;
    const server = idleRedis({
      XCLAIM: () => {
        claims += 1;
        if (claims === 1) throw new ErrorReply('LOADING Redis is loading');
        return [];
      },
    });
    const store = setup(server);
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'a']], ['2-0', ['p', 'b']]]));
    const errors: unknown[] = [];
    let attempts = 0;
    const subscription = await store.subscribe(
      request({
        handler: async () => {
          attempts += 1;
          throw new Error('fails');
        },
        onError: (error) => errors.push(error),
      }),
    );
    await waitFor(() => claims === 2);
    await sleep(30);
    expect(attempts).toBe(2);
    expect(errors.map((e) => (e as { code: string }).code)).toEqual(['UNAVAILABLE']);
    expect(server.calls.some((c) => c[0] === 'XACK')).toBe(false);
    await subscription.close();
    await store.close!();
  });

  it('reports a failed dead-letter write and a failed ack', async () => {
    const server = idleRedis({
      'SCRIPT dead-letter': () => {
        throw new ErrorReply('OOM command not allowed');
      },
      XACK: () => {
        throw new ErrorReply('READONLY replica');
      },
    });
    const store = setup(server, { retention: { maxLength: 100 } });
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'poison']], ['2-0', ['p', 'fine']]]));
    const errors: { code: string; operation: string }[] = [];
    const subscription = await store.subscribe(
      request({
        maxDeliveries: 1,
        handler: async (m) => {
          if (Buffer.from(m.payload).toString() === 'poison') throw new Error('poison');
        },
        onError: (error) => errors.push(error as never),
      }),
    );
    await waitFor(() => errors.length === 2);
    expect(errors.map((e) => `${e.operation}:${e.code}`).sort()).toEqual(['streams.ack:UNAVAILABLE', 'streams.deadLetter:BACKPRESSURE']);
    expect(server.calls.find((c) => c[1] === 'dead-letter')?.slice(2, 8)).toEqual(['ns', 'ns.dead-letter', 'g', expect.stringMatching(/^consumer-/), '1-0', '100']);
    await subscription.close();
    await store.close!();
  });

  it('acks a batch that took every slot on the reader, right before the next read (one round trip)', async () => {
    const server = idleRedis();
    const store = setup(server);
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'a']], ['2-0', ['p', 'b']]]));
    let handled = 0;
    const subscription = await store.subscribe(request({ maxInFlight: 2, handler: async () => void (handled += 1) }));
    await waitFor(() => handled === 2 && server.calls.some((c) => c[0] === 'XACK'));
    const ack = server.calls.findIndex((c) => c[0] === 'XACK');
    expect(server.calls[ack]!.slice(3)).toEqual(['1-0', '2-0']);
    expect(server.via[ack]).toBe('reader');
    // Sent in the same tick as the next read, on the same connection: Redis answers the ack first.
    await waitFor(() => server.calls.length > ack + 1);
    expect(server.calls[ack + 1]!.slice(0, 6)).toEqual(['XREADGROUP', 'GROUP', 'g', expect.any(String), 'COUNT', '2']);
    expect(server.via[ack + 1]).toBe('reader');
    await subscription.close();
    await store.close!();
  });

  it('acks at once on the shared connection while the loop waits in a blocking read', async () => {
    const server = idleRedis();
    const store = setup(server, { blockMs: 5_000, reclaimIntervalMs: 5_000 });
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'a']]]));
    const subscription = await store.subscribe(request({ maxInFlight: 4, handler: async () => undefined }));
    // The second read (3 free slots) blocks: the ack must not wait behind it.
    const ack = await server.waitForCall((c) => c[0] === 'XACK', 1_000);
    expect(ack.slice(3)).toEqual(['1-0']);
    expect(server.via[server.calls.indexOf(ack)]).toBe('main');
    expect(server.pendingReads.size).toBe(1);
    await subscription.close();
    await store.close!();
  });

  it('walks its own pending entries page by page, skips gone or held entries, then reclaims with a cursor', async () => {
    const own = [
      claimReply('1-0', [['1-0', ['p', 'own-1']], ['2-0', null]], [2]),
      claimReply('3-0', [['3-0', ['p', 'own-3']]], []),
    ];
    const reclaims = [claimReply('9-0', [['4-0', ['p', 'taken']], ['3-0', ['p', 'dup']]], [3]), claimReply('0-0', [], [])];
    const server = idleRedis({
      'SCRIPT claim-own': () => own.shift() ?? claimReply('', [], []),
      'SCRIPT reclaim': () => reclaims.shift() ?? claimReply('0-0', [], []),
    });
    const store = setup(server);
    await store.open!();
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const subscription = await store.subscribe(
      request({
        maxInFlight: 2,
        maxDeliveries: 5,
        handler: async (m) => {
          seen.push(`${Buffer.from(m.payload).toString()}#${String(m.deliveryCount)}`);
          if (m.id === '3-0') await gate;
        },
      }),
    );
    await waitFor(() => seen.length === 3);
    release();
    await sleep(50);
    expect(seen).toEqual(['own-1#2', 'own-3#1', 'taken#3']);
    const ownCalls = server.calls.filter((c) => c[1] === 'claim-own');
    expect(ownCalls[1]).toContain('1-0');
    await subscription.close();
    await store.close!();
  });

  it('does not retry a failure while closing, and ignores outcomes of released deliveries', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let claimGate!: () => void;
    const claimed = new Promise<void>((resolve) => (claimGate = resolve));
    const server = idleRedis({
      XCLAIM: async (args) => {
        await claimed;
        return [[Buffer.from(args[5]!), [Buffer.from('p'), Buffer.from('again')]]];
      },
    });
    const store = setup(server);
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'slow-fail']], ['2-0', ['p', 'fail-fast']], ['3-0', ['p', 'hung']]]));
    let started = 0;
    const subscription = await store.subscribe(
      request({
        maxDeliveries: 5,
        handler: async (m) => {
          started += 1;
          const body = Buffer.from(m.payload).toString();
          if (body === 'slow-fail') {
            await gate;
            throw new Error('late failure');
          }
          if (body === 'fail-fast') throw new Error('fast failure'); // its XCLAIM hangs until after close
          await new Promise(() => undefined);
        },
      }),
    );
    await waitFor(() => started === 3);
    const closing = subscription.close({ timeoutMs: 100 });
    release(); // fails while closing: left pending, not claimed again
    await closing;
    claimGate();
    await sleep(20);
    expect(server.calls.filter((c) => c[0] === 'XCLAIM')).toHaveLength(1);
    expect(started).toBe(3);
    await store.close!();
  });

  it('waits for running handlers on close and acks them before leaving', async () => {
    const server = idleRedis();
    const store = setup(server);
    await store.open!();
    server.reads.push(() => readReply('ns', [['1-0', ['p', 'a']]]));
    let started = false;
    const subscription = await store.subscribe(
      request({
        handler: async () => {
          started = true;
          await sleep(50);
        },
      }),
    );
    await waitFor(() => started);
    await subscription.close({ timeoutMs: 2_000 });
    expect(server.calls.some((c) => c[0] === 'XACK' && c.includes('1-0'))).toBe(true);
    expect(server.calls.at(-1)?.[1]).toBe('leave');
    await store.close!();
  });

  it('destroys a reader that CLIENT UNBLOCK cannot wake', async () => {
    const server = idleRedis();
    server.unblockWorks = false;
    const store = setup(server, { blockMs: 60_000, reclaimIntervalMs: 60_000, socketTimeoutMs: 0 });
    await store.open!();
    const subscription = await store.subscribe(request({ handler: async () => undefined }));
    await server.waitForCall((c) => c[0] === 'XREADGROUP');
    const started = Date.now();
    await subscription.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    await store.close!();
  }, 10_000);

  it('publishes through the bounded script: waits for room, then fails at the deadline, on abort or on close', async () => {
    let full = 2;
    const server = idleRedis({ 'SCRIPT publish': () => (full-- > 0 ? [0, 10] : [1, '1-0', '2-0']) });
    const store = setup(server, { maxLength: 10 });
    await store.open!();
    const payload = Buffer.from('x');
    expect(await store.publish({ namespace: 'ns', timeoutMs: 2_000, messages: [{ payload, key: 'k' }, { payload, headers: { a: 'b' } }] })).toEqual([
      { id: '1-0' },
      { id: '2-0' },
    ]);
    const script = server.calls.find((c) => c[1] === 'publish')!;
    expect(script.slice(2, 6)).toEqual(['ns', '10', '0', '2']);
    expect(script.slice(7, 9)).toEqual(['=k', '']);
    expect(script.slice(10, 12)).toEqual(['', '{"a":"b"}']);

    full = Number.POSITIVE_INFINITY;
    await expect(store.publish({ namespace: 'ns', timeoutMs: 50, messages: [{ payload }] })).rejects.toMatchObject({ code: 'BACKPRESSURE', details: { timeoutMs: 50 } });
    const controller = new AbortController();
    const aborted = store.publish({ namespace: 'ns', timeoutMs: 5_000, signal: controller.signal, messages: [{ payload }] });
    await sleep(30);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const closing = store.publish({ namespace: 'ns', timeoutMs: 5_000, messages: [{ payload }] });
    await sleep(30);
    await store.close!();
    await expect(closing).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'the store was closed' });
  });

  it('lets a publisher that waited for local permits through once they free up', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const server = idleRedis({
      XADD: async () => {
        await gate;
        return '1-0';
      },
    });
    const store = setup(server, { maxPendingPublishes: 1 });
    await store.open!();
    const first = store.publish({ namespace: 'ns', messages: [{ payload: Buffer.from('a') }] });
    const second = store.publish({ namespace: 'ns', timeoutMs: 5_000, messages: [{ payload: Buffer.from('b') }] });
    open();
    expect(await first).toEqual([{ id: '1-0' }]);
    expect(await second).toEqual([{ id: '1-0' }]);
    await store.close!();
  });

  it('fails publishers waiting for local permits on abort or close, and maps a failed batch', async () => {
    let hang!: () => void;
    const hung = new Promise<void>((resolve) => (hang = resolve));
    const server = idleRedis({
      XADD: async (args) => {
        if (args.includes('stuck')) await hung;
        return '1-0';
      },
      'SCRIPT publish': () => {
        throw new ErrorReply('WRONGTYPE not a stream');
      },
    });
    const store = setup(server, { maxPendingPublishes: 1 });
    await store.open!();
    const stuck = store.publish({ namespace: 'ns', messages: [{ payload: Buffer.from('stuck') }] });
    const controller = new AbortController();
    const aborted = store.publish({ namespace: 'ns', timeoutMs: 5_000, signal: controller.signal, messages: [{ payload: Buffer.from('x') }] });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'streams.publish was aborted' });
    const waiting = store.publish({ namespace: 'ns', timeoutMs: 5_000, messages: [{ payload: Buffer.from('x') }] });
    const closing = store.close!();
    await expect(waiting).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'the store was closed' });
    hang();
    await stuck;
    await closing;

    const other = setup(server, { maxPendingPublishes: 4 });
    await other.open!();
    await expect(other.publish({ namespace: 'ns', messages: [{ payload: Buffer.from('ok') }, { payload: Buffer.from('bad') }] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      operation: 'streams.publish',
    });
    await other.close!();
  });
});
