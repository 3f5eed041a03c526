import { describe, expect, it } from 'vitest';
import { WriteTracker, olderThanOwnWrite } from '../../../src/layers/cache/write-tracker.js';

// The write tracker decides two things the consistency semantics rest on (ADR-001): whether a strong
// read must wait for this client's own write, and whether a fill may still enter the cache.
function tracker(maxEntries = 3, windowMs = 100) {
  let clock = 1_000;
  const t = new WriteTracker(maxEntries, windowMs, () => clock);
  return { t, advance: (ms: number) => (clock += ms) };
}

describe('WriteTracker: read-your-writes window', () => {
  it('remembers a write with its version, etag and time', () => {
    const { t } = tracker();
    t.wrote('k', 3, 'e3');
    expect(t.lastWrite('k')).toEqual({ version: 3, etag: 'e3', at: 1_000 });
    expect(t.lastWrite('other')).toBeUndefined();
  });

  it('keeps a write for exactly windowMs, then forgets it', () => {
    const { t, advance } = tracker(3, 100);
    t.wrote('k', 1, 'e1');
    advance(100);
    expect(t.lastWrite('k')?.version).toBe(1); // at the edge: still inside
    advance(1);
    expect(t.lastWrite('k')).toBeUndefined();
    advance(-101); // forgotten for good, even if the clock went back
    expect(t.lastWrite('k')).toBeUndefined();
  });

  it('a newer write replaces the older one and restarts its window', () => {
    const { t, advance } = tracker(3, 100);
    t.wrote('k', 1, 'e1');
    advance(80);
    t.wrote('k', 2, 'e2');
    advance(80);
    expect(t.lastWrite('k')).toEqual({ version: 2, etag: 'e2', at: 1_080 });
  });

  it('holds at most maxEntries writes, dropping the least recently written key', () => {
    const { t } = tracker(2, 1_000);
    t.wrote('a', 1, undefined);
    t.wrote('b', 1, undefined);
    t.wrote('a', 2, undefined); // a is now the most recent
    t.wrote('c', 1, undefined);
    expect(t.lastWrite('b')).toBeUndefined();
    expect(t.lastWrite('a')?.version).toBe(2);
    expect(t.lastWrite('c')?.version).toBe(1);
  });
});

describe('WriteTracker: fill fences', () => {
  it('a fence taken before a write or an invalidation is no longer current', () => {
    const { t } = tracker();
    const before = t.fence('k');
    expect(t.stillCurrent('k', before)).toBe(true);
    t.wrote('k', 1, 'e');
    expect(t.stillCurrent('k', before)).toBe(false);
    const afterWrite = t.fence('k');
    expect(t.stillCurrent('k', afterWrite)).toBe(true);
    t.invalidated('k');
    expect(t.stillCurrent('k', afterWrite)).toBe(false);
  });

  it('every change gets a new generation, also on another key in between', () => {
    const { t } = tracker();
    t.invalidated('a');
    const a1 = t.fence('a');
    t.invalidated('b');
    t.invalidated('a');
    const a2 = t.fence('a');
    expect(a2).not.toBe(a1);
    expect(t.stillCurrent('a', a1)).toBe(false);
    expect(t.stillCurrent('b', t.fence('b'))).toBe(true);
    expect(t.stillCurrent('b', t.fence('a'))).toBe(false);
  });

  it('an untouched key fences with 0 while the map has room', () => {
    const { t } = tracker(3);
    expect(t.fence('never')).toBe(0);
    t.invalidated('a');
    t.invalidated('b');
    expect(t.stillCurrent('never', 0)).toBe(true);
  });

  it('once the map is full, a key evicted from it counts as changed (its fence reads 0)', () => {
    const { t } = tracker(2);
    t.invalidated('a');
    t.invalidated('b');
    // Full: a key with no generation may have been evicted, so a fill under fence 0 is refused.
    expect(t.stillCurrent('never', 0)).toBe(false);
    const b = t.fence('b');
    t.invalidated('c'); // evicts a (the oldest)
    expect(t.fence('a')).toBe(0);
    expect(t.stillCurrent('b', b)).toBe(true);
  });

  it('re-invalidating a key moves it to the young end, so the oldest other key is evicted', () => {
    const { t } = tracker(2);
    t.invalidated('a');
    t.invalidated('b');
    t.invalidated('a');
    const a = t.fence('a');
    t.invalidated('c'); // evicts b, not a
    expect(t.fence('b')).toBe(0);
    expect(t.stillCurrent('a', a)).toBe(true);
  });

  it('the write map is bounded on its own, independently of the generation map', () => {
    const { t } = tracker(1, 1_000);
    t.wrote('a', 1, undefined);
    t.wrote('b', 1, undefined);
    expect(t.lastWrite('a')).toBeUndefined();
    expect(t.lastWrite('b')?.version).toBe(1);
  });
});

describe('olderThanOwnWrite', () => {
  const own = { version: 5, etag: 'e5', at: 0 };
  it('an absent or lower version is older than our write; equal or higher is not', () => {
    expect(olderThanOwnWrite(undefined, own)).toBe(true);
    expect(olderThanOwnWrite({ version: 4 }, own)).toBe(true);
    expect(olderThanOwnWrite({ version: 5 }, own)).toBe(false);
    expect(olderThanOwnWrite({ version: 6 }, own)).toBe(false);
  });

  it('after our own delete nothing is older: absent and re-created are both fine', () => {
    const deleted = { version: 0, etag: undefined, at: 0 };
    expect(olderThanOwnWrite(undefined, deleted)).toBe(false);
    expect(olderThanOwnWrite({ version: 1 }, deleted)).toBe(false);
  });
});

describe('WriteTracker without a cache (fencing off)', () => {
  it('records a write for read-your-writes but keeps no fill fence (there are no fills to fence)', () => {
    const t = new WriteTracker(3, 100, () => 1_000, false);
    const before = t.fence('k');
    t.wrote('k', 2, 'e2');
    expect(t.lastWrite('k')).toEqual({ version: 2, etag: 'e2', at: 1_000 });
    expect(t.fence('k')).toBe(before);
    const fenced = new WriteTracker(3, 100, () => 1_000);
    fenced.wrote('k', 2, 'e2');
    expect(fenced.fence('k')).not.toBe(before);
  });
});
