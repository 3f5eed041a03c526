import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LogEvent } from '@sanctum/storage-core/spi';
import { Leftovers } from '../../src/multipart/leftovers.js';

const timing = { firstDelayMs: 100, maxDelayMs: 400, giveUpAfterMs: 5_000, closeAttemptMs: 1_000 };

function setup() {
  const events: LogEvent[] = [];
  const leftovers = new Leftovers({ log: (event) => void events.push(event) }, timing);
  return { events, leftovers };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Leftovers', () => {
  it('retries with a doubling, capped delay until the cleanup succeeds', async () => {
    const { events, leftovers } = setup();
    const at: number[] = [];
    let calls = 0;
    leftovers.add('upload:b/k/1', async () => {
      at.push(Date.now());
      calls += 1;
      if (calls < 5) throw new Error('link down');
    });
    expect(leftovers.size).toBe(1);
    await vi.advanceTimersByTimeAsync(100 + 200 + 400 + 400 + 400);
    expect(calls).toBe(5);
    expect(at.slice(1).map((t, i) => t - at[i]!)).toEqual([200, 400, 400, 400]);
    expect(leftovers.size).toBe(0);
    expect(events.map((e) => e.event)).toEqual(['s3.cleanup_deferred', 's3.cleanup_done']);
    expect(events[1]).toMatchObject({ what: 'upload', attempts: 5 });
  });

  it('adds one cleanup once per id', async () => {
    const { leftovers } = setup();
    const run = vi.fn(async () => undefined);
    leftovers.add('staging:b/k', run);
    leftovers.add('staging:b/k', run);
    await vi.advanceTimersByTimeAsync(100);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('gives up after giveUpAfterMs and logs it', async () => {
    const { events, leftovers } = setup();
    const run = vi.fn(async () => {
      throw new Error('still down');
    });
    leftovers.add('upload:b/k/1', run);
    await vi.advanceTimersByTimeAsync(timing.giveUpAfterMs + 1_000);
    expect(leftovers.size).toBe(0);
    const count = run.mock.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(run.mock.calls.length).toBe(count);
    expect(events.at(-1)).toMatchObject({ event: 's3.cleanup_abandoned', count: 1 });
  });

  it('close makes one last attempt, bounded by closeAttemptMs, and takes nothing after', async () => {
    const { events, leftovers } = setup();
    const quick = vi.fn(async () => undefined);
    const hung = vi.fn(() => new Promise<void>(() => undefined));
    leftovers.add('upload:b/a/1', quick);
    leftovers.add('upload:b/b/2', hung);
    const closed = leftovers.close();
    await vi.advanceTimersByTimeAsync(timing.closeAttemptMs);
    await closed;
    expect(quick).toHaveBeenCalledTimes(1);
    expect(hung).toHaveBeenCalledTimes(1);
    expect(leftovers.size).toBe(0);
    expect(events.at(-1)).toMatchObject({ event: 's3.cleanup_abandoned', count: 1, reason: 'store closed' });
    leftovers.add('upload:b/c/3', quick);
    expect(leftovers.size).toBe(0);
  });
});
