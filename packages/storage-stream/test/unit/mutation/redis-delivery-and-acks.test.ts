import { describe, expect, it } from 'vitest';
import { claimReply, fakeStore, FakeRedisServer, readReply, subscribeRequest, type Responder } from '../../support/fake-redis.js';

// Pins the Redis subscription's delivery and ack path against a scripted server: what a redelivery
// past maxDeliveries and a handler that misses its deadline write to the dead-letter stream, and how
// a failed message is claimed again (XCLAIM with idle 0) and rerun with the next delivery count.

function fakeServer(overrides: Record<string, Responder> = {}): FakeRedisServer {
  return new FakeRedisServer((args) => {
    const name = args[0] === 'SCRIPT' ? `SCRIPT ${args[1]!}` : args[0]!;
    const override = overrides[name];
    if (override !== undefined) return override(args);
    switch (name) {
      case 'INFO':
        return '# Server\r\nredis_version:7.0.15\r\n';
      case 'CLIENT':
        return 7;
      case 'PING':
        return 'PONG';
      case 'XGROUP':
        return 'OK';
      case 'XACK':
        return 1;
      case 'SCRIPT claim-own':
        return claimReply('', [], []);
      case 'SCRIPT reclaim':
        return claimReply('0-0', [], []);
      case 'SCRIPT leave':
        return 1;
      case 'SCRIPT dead-letter':
        return '9-0';
      default:
        throw new Error(`unexpected command ${args.join(' ')}`);
    }
  });
}

const setup = (server: FakeRedisServer) => fakeStore(server);

const request = subscribeRequest;

describe('Redis delivery past maxDeliveries', () => {
  it('dead-letters a reclaimed entry without running it, saying how many deliveries went unacknowledged', async () => {
    const reclaims = [claimReply('0-0', [['5-0', ['p', 'stuck']]], [3])];
    const server = fakeServer({ 'SCRIPT reclaim': () => reclaims.shift() ?? claimReply('0-0', [], []) });
    const store = setup(server);
    await store.open!();
    let runs = 0;
    const subscription = await store.subscribe(request({ handler: async () => void (runs += 1) }));
    const call = await server.waitForCall((c) => c[1] === 'dead-letter');
    expect(runs).toBe(0);
    const text = call.join('\n');
    expect(text).toContain('StorageError: not acknowledged after 2 deliveries; the consumers holding it stopped');
    expect(call).toContain('5-0');
    await subscription.close();
    await store.close!();
  });
});

describe('Redis handler deadline', () => {
  it('a handler that misses ackTimeoutMs on its last delivery is dead-lettered with the deadline in the error', async () => {
    const server = fakeServer();
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
    const server = fakeServer({ XCLAIM: (args) => [[Buffer.from(args[5]!), [Buffer.from('p'), Buffer.from('again')]]] });
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
    const server = fakeServer();
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
