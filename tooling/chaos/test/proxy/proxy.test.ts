/**
 * The fault proxy against a loopback echo server: every toxic is switched on and its effect is seen
 * (a lower bound on time, a reset, a held byte, a refused connect); with the toxic off each of
 * these assertions fails.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createChaosProxy, type ChaosProxy } from '../../src/index.js';
import { client, sleep, startEcho, tryConnect } from './echo.js';

let echo: Awaited<ReturnType<typeof startEcho>>;
const proxies: ChaosProxy[] = [];

beforeAll(async () => {
  echo = await startEcho();
});
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await echo.close();
});

async function proxy(options: Omit<Parameters<typeof createChaosProxy>[0], 'target'> = {}): Promise<ChaosProxy> {
  const p = await createChaosProxy({ target: { host: '127.0.0.1', port: echo.port }, ...options });
  proxies.push(p);
  return p;
}

/** Sends `payload` through a fresh connection and resolves with the round-trip time in ms. */
async function roundTrip(port: number, payload: Buffer): Promise<number> {
  const c = await client(port);
  const started = performance.now();
  c.socket.write(payload);
  await c.waitFor(payload.length);
  const took = performance.now() - started;
  expect(c.received().equals(payload)).toBe(true);
  c.socket.destroy();
  return took;
}

describe('chaos proxy', () => {
  it('forwards both ways unchanged when no toxic is on, and counts the bytes', async () => {
    const p = await proxy();
    const payload = Buffer.from('hello through the proxy');
    await roundTrip(p.port, payload);
    const stats = p.stats();
    expect(stats.accepted).toBe(1);
    expect(stats.bytesUp).toBe(payload.length);
    expect(stats.bytesDown).toBe(payload.length);
  });

  it('latency: each direction adds latencyMs to every chunk', async () => {
    const p = await proxy({ toxics: { latencyMs: 150 } });
    const took = await roundTrip(p.port, Buffer.from('ping'));
    expect(took).toBeGreaterThanOrEqual(2 * 150 - 5);
  });

  it('jitter: a chunk is delayed by latency ± jitter, drawn from the random source', async () => {
    // Two links, same latency; the random source pins one to +jitter, the other to −jitter.
    const slow = await proxy({ toxics: { latencyMs: 200, jitterMs: 150 }, random: () => 0.999 });
    const fast = await proxy({ toxics: { latencyMs: 200, jitterMs: 150 }, random: () => 0 });
    const [slowTook, fastTook] = await Promise.all([roundTrip(slow.port, Buffer.from('a')), roundTrip(fast.port, Buffer.from('b'))]);
    expect(slowTook).toBeGreaterThanOrEqual(2 * (200 + 149) - 5);
    expect(fastTook).toBeLessThan(slowTook);
  });

  it('bandwidth: chunks are spaced by their length over the cap', async () => {
    const p = await proxy({ toxics: { bandwidthBytesPerSec: 16 * 1024 } });
    // 8 KiB up and 8 KiB back at 16 KiB/s: at least 0.5 s each way.
    const took = await roundTrip(p.port, Buffer.alloc(8 * 1024, 7));
    expect(took).toBeGreaterThanOrEqual(1000 - 20);
  });

  it('resets: with probability 1 the first chunk resets the connection (ECONNRESET to the client)', async () => {
    const p = await proxy({ toxics: { resetProbability: 1 } });
    const c = await client(p.port);
    c.socket.write('doomed');
    expect(await c.closed).toBe('ECONNRESET');
    expect(c.received().length).toBe(0);
    expect(p.stats().resets).toBe(1);
  });

  it('resets: a chunk resets when the random draw falls below the probability', async () => {
    const below = await proxy({ toxics: { resetProbability: 0.5 }, random: () => 0.3 });
    const above = await proxy({ toxics: { resetProbability: 0.5 }, random: () => 0.7 });
    const lost = await client(below.port);
    lost.socket.write('x');
    expect(await lost.closed).toBe('ECONNRESET');
    await roundTrip(above.port, Buffer.from('kept'));
    expect(below.stats().resets).toBe(1);
    expect(above.stats().resets).toBe(0);
  });

  it('black hole: connections are accepted and kept, nothing is forwarded; lifting it delivers what was held, in order', async () => {
    const p = await proxy();
    const c = await client(p.port);
    c.socket.write('before|');
    await c.waitFor(7);
    p.set({ blackhole: true });
    c.socket.write('held-1|');
    c.socket.write('held-2');
    // A new connection during the black hole is accepted, too.
    expect(await tryConnect(p.port)).toBe('connected');
    await sleep(400);
    expect(c.received().toString()).toBe('before|');
    expect(c.socket.destroyed).toBe(false);
    p.set({ blackhole: false });
    await c.waitFor(7 + 13);
    expect(c.received().toString()).toBe('before|held-1|held-2');
    c.socket.destroy();
  });

  it('down: open connections are reset and new ones refused until up(), on the same port', async () => {
    const p = await proxy();
    const c = await client(p.port);
    c.socket.write('a');
    await c.waitFor(1);
    await p.down();
    expect(p.isUp).toBe(false);
    expect(await c.closed).toBe('ECONNRESET');
    expect(await tryConnect(p.port)).toBe('ECONNREFUSED');
    expect(p.stats().killed).toBe(1);
    await p.up();
    expect(p.isUp).toBe(true);
    await roundTrip(p.port, Buffer.from('back'));
  });

  it('a target that refuses connections resets the client (as a dead server would)', async () => {
    const dead = await createChaosProxy({ target: { host: '127.0.0.1', port: 1 } });
    proxies.push(dead);
    const c = await client(dead.port);
    expect(await c.closed).toBe('ECONNRESET');
  });

  it('set() and clear() change the toxics of open connections; invalid values are refused with the field named', async () => {
    const p = await proxy();
    p.set({ latencyMs: 120 });
    expect(p.toxics.latencyMs).toBe(120);
    expect(await roundTrip(p.port, Buffer.from('slow'))).toBeGreaterThanOrEqual(240 - 5);
    p.clear();
    expect(p.toxics).toEqual({ latencyMs: 0, jitterMs: 0, bandwidthBytesPerSec: 0, resetProbability: 0, blackhole: false });
    expect(() => p.set({ latencyMs: -1 })).toThrow(/latencyMs must be a finite number ≥ 0 \(got -1\)/);
    expect(() => p.set({ resetProbability: 2 })).toThrow(/resetProbability must be between 0 and 1/);
    expect(() => p.set({ bandwidthBytesPerSec: Number.NaN })).toThrow(/bandwidthBytesPerSec/);
    // A refused change leaves the previous settings in force.
    expect(p.toxics.latencyMs).toBe(0);
  });
});
