import { describe, expect, it } from 'vitest';
import { isStorageError } from '@sanctum/storage-core';
import type { CacheEntry } from '@sanctum/storage-core/spi';
import { estimateEntryBytes } from '../src/estimate-size.js';
import { createMemoryCacheStore } from '../src/index.js';

const entry = (value: unknown, version = 1): CacheEntry => ({ value, version, etag: `"e${version}"`, storedAt: 1_000 });

/** A manual clock. Starts past 0 because lru-cache reads a start time of 0 as "no TTL". */
function manualClock(start = 10_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('createMemoryCacheStore', () => {
  it('is an unshared cache named memory', () => {
    const cache = createMemoryCacheStore();
    expect(cache.kind).toBe('cache');
    expect(cache.name).toBe('memory');
    expect(cache.capabilities).toEqual({ shared: false });
    expect(cache.publishInvalidation).toBeUndefined();
    expect(cache.onInvalidation).toBeUndefined();
  });

  it('returns the stored entry with version, etag and storedAt, and undefined for a miss', async () => {
    const cache = createMemoryCacheStore();
    const stored = entry({ name: 'Ada' }, 7);
    await cache.set('ns\u0000k', stored, 1_000);
    const got = await cache.get('ns\u0000k');
    expect(got).toEqual({ value: { name: 'Ada' }, version: 7, etag: '"e7"', storedAt: 1_000 });
    // No copy on the hot path: every get returns the same kept entry.
    expect(await cache.get('ns\u0000k')).toBe(got);
    expect(await cache.get('missing')).toBeUndefined();
  });

  it('keeps a snapshot taken at set, so later mutation of the caller\'s object changes nothing', async () => {
    const cache = createMemoryCacheStore();
    const value = { name: 'Ada', tags: ['a'] };
    await cache.set('k', entry(value), 1_000);
    value.name = 'mutated';
    value.tags.push('b');
    expect((await cache.get('k'))?.value).toEqual({ name: 'Ada', tags: ['a'] });
    // Primitives need no copy.
    await cache.set('s', entry('text'), 1_000);
    expect((await cache.get('s'))?.value).toBe('text');
  });

  it('keeps the entry by reference with cloneOnSet: false', async () => {
    const cache = createMemoryCacheStore({ cloneOnSet: false });
    const stored = entry({ n: 1 });
    await cache.set('k', stored, 1_000);
    expect(await cache.get('k')).toBe(stored);
  });

  it('rejects a value it cannot clone with INVALID_ARGUMENT and keeps it when cloning is off', async () => {
    const value = { run: () => 1 };
    const cloning = createMemoryCacheStore();
    await cloning.set('k', entry({ older: true }), 1_000);
    await expect(cloning.set('k', entry(value), 1_000)).rejects.toSatisfy((error) => isStorageError(error, 'INVALID_ARGUMENT'));
    expect(await cloning.get('k')).toBeUndefined();
    const byReference = createMemoryCacheStore({ cloneOnSet: false });
    await byReference.set('k', entry(value), 1_000);
    expect((await byReference.get('k'))?.value).toBe(value);
  });

  it('replaces an entry on set and deletes several keys at once', async () => {
    const cache = createMemoryCacheStore();
    await cache.set('a', entry('a1', 1), 1_000);
    await cache.set('a', entry('a2', 2), 1_000);
    await cache.set('b', entry('b'), 1_000);
    await cache.set('c', entry('c'), 1_000);
    expect((await cache.get('a'))?.version).toBe(2);
    await cache.delete(['a', 'b', 'never-there']);
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('c')).toBeDefined();
    await cache.delete([]);
    expect(cache.size).toBe(1);
  });

  it('clears everything, and close clears too', async () => {
    const cache = createMemoryCacheStore();
    await cache.set('a', entry('a'), 1_000);
    await cache.set('b', entry('b'), 1_000);
    await cache.clear();
    expect(cache.size).toBe(0);
    await cache.set('a', entry('a'), 1_000);
    await cache.close?.();
    expect(await cache.get('a')).toBeUndefined();
  });

  describe('TTL', () => {
    it('expires an entry after its TTL', async () => {
      const clock = manualClock();
      const cache = createMemoryCacheStore({}, { now: clock.now });
      await cache.set('k', entry('v'), 100);
      clock.advance(100);
      expect(await cache.get('k')).toBeDefined();
      clock.advance(1);
      expect(await cache.get('k')).toBeUndefined();
      expect(cache.size).toBe(0);
    });

    it('caps every TTL at ttlMs, including Infinity', async () => {
      const clock = manualClock();
      const cache = createMemoryCacheStore({ ttlMs: 50 }, { now: clock.now });
      await cache.set('long', entry('v'), 60_000);
      await cache.set('forever', entry('v'), Number.POSITIVE_INFINITY);
      await cache.set('short', entry('v'), 10);
      clock.advance(11);
      expect(await cache.get('short')).toBeUndefined();
      expect(await cache.get('long')).toBeDefined();
      clock.advance(40);
      expect(await cache.get('long')).toBeUndefined();
      expect(await cache.get('forever')).toBeUndefined();
    });

    it('restarts the TTL when an entry is replaced, not when it is read', async () => {
      const clock = manualClock();
      const cache = createMemoryCacheStore({}, { now: clock.now });
      await cache.set('k', entry('v1', 1), 100);
      clock.advance(80);
      await cache.get('k');
      await cache.set('k', entry('v2', 2), 100);
      clock.advance(80);
      expect((await cache.get('k'))?.version).toBe(2);
      clock.advance(21);
      expect(await cache.get('k')).toBeUndefined();
    });

    it('treats a TTL of 0, a negative TTL or NaN as already expired and drops the older entry', async () => {
      const cache = createMemoryCacheStore();
      for (const ttl of [0, -5, Number.NaN]) {
        await cache.set('k', entry('old'), 1_000);
        await cache.set('k', entry('new'), ttl);
        expect(await cache.get('k')).toBeUndefined();
      }
    });

    it('expires on the real clock by default', async () => {
      const cache = createMemoryCacheStore();
      // Margins wide enough for a loaded 2-core CI machine: the first read must land inside the TTL.
      await cache.set('k', entry('v'), 100);
      expect(await cache.get('k')).toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await cache.get('k')).toBeUndefined();
    });
  });

  describe('bounds', () => {
    it('evicts the least recently used entry past maxEntries; a get counts as a use', async () => {
      const cache = createMemoryCacheStore({ maxEntries: 3 });
      for (const key of ['a', 'b', 'c']) await cache.set(key, entry(key), 1_000);
      await cache.get('a'); // b is now the least recently used
      await cache.set('d', entry('d'), 1_000);
      expect(cache.size).toBe(3);
      expect(await cache.get('b')).toBeUndefined();
      for (const key of ['a', 'c', 'd']) expect(await cache.get(key)).toBeDefined();
    });

    it('evicts least recently used entries to stay under maxBytes', async () => {
      const one = estimateEntryBytes('k0', entry('x'.repeat(100)));
      const cache = createMemoryCacheStore({ maxBytes: one * 3 });
      for (let i = 0; i < 3; i++) await cache.set(`k${i}`, entry('x'.repeat(100)), 1_000);
      expect(cache.calculatedBytes).toBe(one * 3);
      await cache.get('k0');
      await cache.set('k3', entry('x'.repeat(100)), 1_000);
      expect(await cache.get('k1')).toBeUndefined();
      expect(await cache.get('k0')).toBeDefined();
      expect(cache.calculatedBytes).toBeLessThanOrEqual(one * 3);
      // One large entry pushes out as many small ones as it needs.
      const big = entry('y'.repeat(200));
      await cache.set('k9', big, 1_000);
      expect(cache.calculatedBytes).toBeLessThanOrEqual(one * 3);
      expect(await cache.get('k9')).toEqual(big);
      expect(cache.size).toBeLessThan(3);
    });

    it('does not cache an entry larger than maxBytes and drops the older one under its key', async () => {
      const cache = createMemoryCacheStore({ maxBytes: 1_000 });
      await cache.set('k', entry('small'), 1_000);
      await cache.set('other', entry('small'), 1_000);
      await cache.set('k', entry('z'.repeat(1_000)), 1_000);
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.get('other')).toBeDefined();
    });

    it('reports entries and bytes in health', async () => {
      const unbounded = createMemoryCacheStore({ maxEntries: 5 });
      await unbounded.set('a', entry('a'), 1_000);
      expect(await unbounded.health?.()).toEqual({ ok: true, latencyMs: 0, details: { entries: 1, maxEntries: 5 } });
      expect(unbounded.calculatedBytes).toBe(0);
      const bounded = createMemoryCacheStore({ maxBytes: 10_000 });
      await bounded.set('a', entry('a'), 1_000);
      const report = await bounded.health?.();
      expect(report?.details).toEqual({
        entries: 1,
        maxEntries: 10_000,
        bytes: estimateEntryBytes('a', entry('a')),
        maxBytes: 10_000,
      });
    });
  });

  describe('options', () => {
    it('refuses invalid options with CONFIG_INVALID listing every problem as { path, message }', () => {
      let caught: unknown;
      try {
        createMemoryCacheStore({ maxEntries: 0, ttlMs: 1.5, maxBytes: -1, extra: true } as never);
      } catch (error) {
        caught = error;
      }
      expect(isStorageError(caught, 'CONFIG_INVALID')).toBe(true);
      const issues = (caught as { details: { issues: Array<{ path: string; message: string }> } }).details.issues;
      expect(issues.map((issue) => issue.path).sort()).toEqual(['(root)', 'maxBytes', 'maxEntries', 'ttlMs']);
      for (const issue of issues) expect(typeof issue.message).toBe('string');
      expect((caught as Error).message).toMatch(/maxEntries: /);
    });

    it('rejects a set whose size calculation fails with an INTERNAL StorageError', async () => {
      const cache = createMemoryCacheStore({ maxBytes: 10_000, cloneOnSet: false });
      const hostile = { value: 1 };
      Object.defineProperty(hostile, 'boom', {
        enumerable: true,
        get() {
          throw new Error('getter failed');
        },
      });
      await expect(cache.set('k', entry(hostile), 1_000)).rejects.toSatisfy((error) => isStorageError(error, 'INTERNAL'));
    });
  });
});
