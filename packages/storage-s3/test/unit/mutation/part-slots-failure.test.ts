import { describe, expect, it } from 'vitest';
import { PartSlots } from '../../../src/multipart/part-slots.js';

// Pins what a failed PartSlots hands out: the very error it failed with (the first one), to waiting
// and to later acquirers alike. The older test's `rejects.toThrow('first')` also passes when the
// rejection reason is undefined, so it could not tell.

describe('PartSlots after a failure', () => {
  it('rejects waiting and later acquirers with the first error object itself', async () => {
    const slots = new PartSlots(1);
    await slots.acquire();
    const waiting = slots.acquire();
    const first = new Error('first');
    slots.fail(first);
    slots.fail(new Error('second'));
    await expect(waiting).rejects.toBe(first);
    await expect(slots.acquire()).rejects.toBe(first);
  });

  it('a slot given back while nobody waits is handed out again without waiting', async () => {
    const slots = new PartSlots(1);
    await slots.acquire();
    slots.release();
    let got = false;
    const next = slots.acquire().then(() => (got = true));
    await Promise.resolve();
    expect(got).toBe(true);
    await next;
  });
});
