import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/connection.js';
import { Lanes, STALL_MS } from '../../src/lanes.js';

const clients = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i }) as unknown as Client);
const id = (lane: { client: Client }) => (lane.client as unknown as { id: number }).id;

describe('Lanes', () => {
  it('spreads statements over the least loaded connections, up to depth each', () => {
    const lanes = new Lanes(clients(3), 2);
    const taken = Array.from({ length: 6 }, () => lanes.tryAcquire()!);
    expect(taken.map(id)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(lanes.tryAcquire()).toBeUndefined();
    expect(lanes.active).toBe(6);
    lanes.release(taken[4]!, false);
    expect(id(lanes.tryAcquire()!)).toBe(1);
  });

  it('hands connections to waiters in FIFO order; newcomers do not jump the queue', async () => {
    const lanes = new Lanes(clients(1), 1);
    const first = lanes.tryAcquire()!;
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => lanes.acquire(false).then((lane) => (order.push(n), lane)));
    expect(lanes.waiting).toBe(3);
    expect(lanes.tryAcquire()).toBeUndefined();
    lanes.release(first, false);
    const second = await waits[0]!;
    lanes.release(second, false);
    lanes.release(await waits[1]!, false);
    lanes.release(await waits[2]!, false);
    expect(order).toEqual([1, 2, 3]);
    expect(lanes.active).toBe(0);
    expect(lanes.waiting).toBe(0);
  });

  it('a transaction takes a connection for itself; statements avoid it until it ends', async () => {
    const lanes = new Lanes(clients(2), 2);
    const busy = lanes.tryAcquire()!;
    const tx = await lanes.acquire(true);
    expect(id(tx)).toBe(1);
    expect(lanes.exclusive).toBe(1);
    expect(id(lanes.tryAcquire()!)).toBe(0);
    expect(lanes.tryAcquire()).toBeUndefined();
    // A second transaction may share a loaded connection (its BEGIN queues behind the statements).
    const tx2 = await lanes.acquire(true);
    expect(id(tx2)).toBe(0);
    const waiting = lanes.acquire(false);
    lanes.release(tx, true);
    expect(id(await waiting)).toBe(1);
    const third = lanes.acquire(true);
    lanes.release(tx2, true);
    expect(id(await third)).toBe(1);
    expect(busy.inFlight).toBe(2);
  });

  it('pipelines nothing behind a statement running longer than STALL_MS', async () => {
    const lanes = new Lanes(clients(2), 4);
    const slow = lanes.tryAcquire()!;
    const other = lanes.tryAcquire()!;
    expect([id(slow), id(other)]).toEqual([0, 1]);
    slow.sent[0] = performance.now() - STALL_MS - 1;
    // Connection 0 is stuck: both next statements pipeline on connection 1.
    expect(id(lanes.tryAcquire()!)).toBe(1);
    expect(id(lanes.tryAcquire()!)).toBe(1);
    other.sent.fill(performance.now() - STALL_MS - 1);
    // Both stuck: callers wait, also for a transaction, until a statement completes.
    expect(lanes.tryAcquire()).toBeUndefined();
    const waiting = lanes.acquire(true);
    lanes.release(slow, false);
    expect(id(await waiting)).toBe(0);
    expect(slow.sent).toEqual([]);
  });

  it('drops a waiter whose signal fires, with its reason, and serves the next', async () => {
    const lanes = new Lanes(clients(1), 1);
    const first = lanes.tryAcquire()!;
    const controller = new AbortController();
    const abandoned = lanes.acquire(false, controller.signal);
    const kept = lanes.acquire(false, new AbortController().signal);
    controller.abort(new Error('gave up'));
    controller.abort();
    await expect(abandoned).rejects.toThrow('gave up');
    expect(lanes.waiting).toBe(1);
    lanes.release(first, false);
    const lane = await kept;
    expect(lanes.active).toBe(1);
    lanes.release(lane, false);
    expect(lanes.active).toBe(0);
  });

  it('stays correct across thousands of queued waiters (compaction)', async () => {
    const lanes = new Lanes(clients(1), 1);
    const first = lanes.tryAcquire()!;
    let done = 0;
    const waits = Array.from({ length: 5000 }, () =>
      lanes.acquire(false).then((lane) => {
        done += 1;
        return lane;
      }),
    );
    let current = first;
    for (let i = 0; i < 5000; i += 1) {
      lanes.release(current, false);
      current = await waits[i]!;
    }
    expect(done).toBe(5000);
    lanes.release(current, false);
    expect(lanes.active).toBe(0);
    expect(lanes.waiting).toBe(0);
  });
});
