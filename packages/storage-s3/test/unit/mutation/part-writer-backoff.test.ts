import type * as timers from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PartWriter } from '../../../src/multipart/part-writer.js';

// Pins the pause before each retry of a part: exponential backoff with full jitter, a random share
// of 100 ms before the second try, of 200 ms before the third, and so on. The pauses are recorded,
// not slept: the writer's sleep is replaced for this file, and Math.random pinned.

const pauses = vi.hoisted(() => [] as number[]);

vi.mock('node:timers/promises', async (importOriginal) => ({
  ...(await importOriginal<typeof timers>()),
  setTimeout: async (delay: number) => {
    pauses.push(delay);
  },
}));

afterEach(() => {
  pauses.length = 0;
  vi.restoreAllMocks();
});

describe('PartWriter retry backoff', () => {
  it('pauses a random share of 100 ms, then 200 ms, then 400 ms between tries', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    let tries = 0;
    const writer = new PartWriter({
      partSize: 4,
      parallelParts: 1,
      attempts: 4,
      firstPartNumber: 1,
      upload: async () => {
        tries += 1;
        if (tries < 4) throw new Error('flaky');
        return 'etag';
      },
      isRetryable: () => true,
      context: { operation: 'blobs.put', namespace: 'n' },
    });
    await writer.write(Buffer.from('ab'));
    await writer.finish();
    expect(tries).toBe(4);
    expect(pauses).toEqual([50, 100, 200]);
  });
});
