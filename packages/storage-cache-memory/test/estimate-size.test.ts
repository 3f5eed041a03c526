import { describe, expect, it } from 'vitest';
import type { CacheEntry } from '@sanctum/storage-core/spi';
import { estimateEntryBytes } from '../src/estimate-size.js';

const bytes = (value: unknown, version: number | string = 1): number =>
  estimateEntryBytes('key', { value, version, etag: 'etag', storedAt: 1 } satisfies CacheEntry);

describe('estimateEntryBytes', () => {
  it('is a positive integer for every kind of value', () => {
    const values: unknown[] = [
      undefined,
      null,
      true,
      1.5,
      10n,
      'text',
      Symbol('s'),
      () => 1,
      [1, 'a'],
      { a: 1 },
      new Map([['k', 'v']]),
      new Set([1]),
      new Date(0),
      new Uint8Array(10),
      new ArrayBuffer(10),
      Buffer.from('abc'),
    ];
    for (const value of values) {
      const size = bytes(value);
      expect(Number.isInteger(size) && size > 0, String(typeof value)).toBe(true);
    }
  });

  it('grows with strings, arrays, objects, maps, sets and buffers', () => {
    expect(bytes('x'.repeat(100)) - bytes('')).toBe(200);
    expect(bytes([1, 2, 3])).toBeGreaterThan(bytes([1]));
    expect(bytes({ a: 1, b: 'long value' })).toBeGreaterThan(bytes({ a: 1 }));
    expect(bytes(new Map([['a', 1], ['b', 2]]))).toBeGreaterThan(bytes(new Map([['a', 1]])));
    expect(bytes(new Set([1, 2]))).toBeGreaterThan(bytes(new Set([1])));
    expect(bytes(new Uint8Array(1_000)) - bytes(new Uint8Array(0))).toBe(1_000);
    expect(bytes(1, 'v-12345')).toBeGreaterThan(bytes(1, 12345));
  });

  it('counts the key and the etag', () => {
    const entry: CacheEntry = { value: 1, version: 1, etag: '', storedAt: 1 };
    expect(estimateEntryBytes('kk', entry) - estimateEntryBytes('k', entry)).toBe(2);
    expect(estimateEntryBytes('k', { ...entry, etag: 'ee' }) - estimateEntryBytes('k', entry)).toBe(4);
  });

  it('ignores inherited properties', () => {
    const proto = { inherited: 'x'.repeat(1_000) };
    const child = Object.create(proto) as Record<string, unknown>;
    child['own'] = 1;
    expect(bytes(child)).toBe(bytes({ own: 1 }));
  });

  it('counts shared references once and terminates on cycles and deep nesting', () => {
    const shared = { payload: 'x'.repeat(1_000) };
    expect(bytes([shared, shared])).toBeLessThan(bytes([shared, { payload: 'x'.repeat(1_000) }]));
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    expect(bytes(cyclic)).toBeGreaterThan(0);
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) deep = { next: deep };
    expect(bytes(deep)).toBeLessThan(100_000);
  });
});
