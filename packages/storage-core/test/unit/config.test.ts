import { describe, expect, it } from 'vitest';
import type { StorageError } from '../../src/index.js';
import { isStorageError, parseConfig, validateConfig } from '../../src/index.js';

function issuesOf(input: unknown) {
  const result = validateConfig(input);
  if (result.ok) throw new Error('expected invalid config');
  return result.issues;
}

describe('config', () => {
  it('fills defaults for a minimal config', () => {
    const config = parseConfig({ schemaVersion: 1, namespaces: { users: { kind: 'record' }, media: { kind: 'blob' }, events: { kind: 'stream' } } });
    expect(config.adapters).toEqual({});
    expect(config.namespaces['users']).toMatchObject({ consistency: 'strong', stalenessBudgetMs: 0, onCacheFailure: 'fail-open', maxKeyBytes: 1024 });
    expect(config.namespaces['media']).toMatchObject({ checksum: 'sha256', acl: 'private' });
    expect(config.namespaces['events']).toMatchObject({ maxInFlight: 64, maxDeliveries: 5, ackTimeoutMs: 30_000 });
  });

  it('lists every invalid path at once, shape and references together', () => {
    const issues = issuesOf({
      schemaVersion: 1,
      adapters: { pg: { use: 'postgres', extra: true } },
      namespaces: {
        users: { kind: 'record', adapter: 'nope', cache: 'hot', stalenessBudgetMs: -1 },
        media: { kind: 'blob', checksum: 'md5' },
        events: { kind: 'queue' },
        'bad name!': { kind: 'record' },
        onlyCache: { kind: 'record', consistency: 'cache_only' },
      },
      unknownTop: 1,
    });
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'adapters.pg',
        'namespaces.users.stalenessBudgetMs',
        'namespaces.media.checksum',
        'namespaces.events.kind',
        'namespaces.bad name!',
        '(root)',
        'namespaces.users.adapter',
        'namespaces.users.cache',
        'namespaces.onlyCache.consistency',
      ]),
    );
    expect(issues.find((i) => i.path === 'namespaces.users.adapter')!.message).toContain('"nope" is not defined');
  });

  it('throws CONFIG_INVALID with every issue in details and message', () => {
    try {
      parseConfig({ schemaVersion: 1, namespaces: { a: { kind: 'record', adapter: 'x' }, b: { kind: 'blob', adapter: 'y' } } });
      expect.unreachable();
    } catch (error) {
      expect(isStorageError(error, 'CONFIG_INVALID')).toBe(true);
      const e = error as StorageError;
      expect(e.message).toContain('namespaces.a.adapter');
      expect(e.message).toContain('namespaces.b.adapter');
      expect((e.details!['issues'] as unknown[]).length).toBe(2);
    }
  });

  it('refuses unknown or missing schema versions, naming the supported ones', () => {
    expect(issuesOf({ schemaVersion: 2, namespaces: {} })).toEqual([
      { path: 'schemaVersion', message: 'unsupported schemaVersion 2; this release reads 1' },
    ]);
    expect(issuesOf({ namespaces: {} })[0]!.message).toContain('required; supported: 1');
    expect(issuesOf('nope')).toEqual([{ path: '(root)', message: 'expected an object' }]);
    expect(issuesOf([])).toEqual([{ path: '(root)', message: 'expected an object' }]);
  });

  it('tolerates non-object sections while checking references', () => {
    const paths = issuesOf({ schemaVersion: 1, adapters: 3, caches: 'x', namespaces: { a: 5, b: { kind: 'record', adapter: 'pg' } } }).map((i) => i.path);
    expect(paths).toContain('adapters');
    expect(paths).toContain('namespaces.b.adapter');
  });
});
