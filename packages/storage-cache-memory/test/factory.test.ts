import { describe, expect, it } from 'vitest';
import { createNoopLogger, type StandardSchemaV1 } from '@sanctum/storage-core';
import { DEFAULT_MAX_ENTRIES, DEFAULT_TTL_CAP_MS } from '../src/options.js';
import { memoryCache } from '../src/index.js';

async function validate<O>(schema: StandardSchemaV1<unknown, O>, input: unknown) {
  return schema['~standard'].validate(input);
}

describe('memoryCache()', () => {
  const context = { instanceName: 'hot', logger: createNoopLogger() };

  it('describes a cache adapter named memory', () => {
    const factory = memoryCache();
    expect(factory.kind).toBe('cache');
    expect(factory.name).toBe('memory');
  });

  it('fills documented defaults, also when options are absent', async () => {
    const { optionsSchema } = memoryCache();
    const expected = { maxEntries: DEFAULT_MAX_ENTRIES, ttlMs: DEFAULT_TTL_CAP_MS, cloneOnSet: true };
    expect(await validate(optionsSchema, {})).toEqual({ value: expected });
    expect(await validate(optionsSchema, undefined)).toEqual({ value: expected });
    expect(DEFAULT_MAX_ENTRIES).toBe(10_000);
    expect(await validate(optionsSchema, { maxEntries: 100_000, ttlMs: 30_000, maxBytes: 1 << 20 })).toEqual({
      value: { maxEntries: 100_000, ttlMs: 30_000, maxBytes: 1 << 20, cloneOnSet: true },
    });
  });

  it('reports every invalid option with its path', async () => {
    const result = await validate(memoryCache().optionsSchema, { maxEntries: -1, ttlMs: 'soon', cloneOnSet: 'yes', typo: 1 });
    const paths = (result.issues ?? []).map((issue) => (issue.path ?? []).map(String).join('.'));
    expect(paths.sort()).toEqual(['', 'cloneOnSet', 'maxEntries', 'ttlMs']);
    expect(await validate(memoryCache().optionsSchema, { maxEntries: 2 ** 25 })).toHaveProperty('issues');
  });

  it('creates a working cache from validated options, on the injected clock', async () => {
    let t = 5_000;
    const factory = memoryCache({ now: () => t });
    const result = await validate(factory.optionsSchema, { ttlMs: 100 });
    if (result.issues) throw new Error('unexpected issues');
    const cache = factory.create(result.value, context);
    await cache.set('k', { value: 1, version: 1, etag: 'e', storedAt: 0 }, 1_000);
    expect(await cache.get('k')).toBeDefined();
    t += 101;
    expect(await cache.get('k')).toBeUndefined();
  });
});
