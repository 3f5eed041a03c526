import { describe, expect, it } from 'vitest';
import { ErrorReply, SocketTimeoutError, ClientOfflineError } from 'redis';
import { StorageError, isStorageError } from '@sanctum/storage-core';
import { mapRedisCacheError } from '../../src/errors.js';
import { LocalFence } from '../../src/local-fence.js';

describe('mapRedisCacheError', () => {
  it('maps reply kinds, timeouts and connection failures to codes, keeping the cause', () => {
    const cases: Array<[unknown, string]> = [
      [new ErrorReply('OOM command not allowed when used memory > maxmemory'), 'BACKPRESSURE'],
      [new ErrorReply('NOPERM this user has no permissions'), 'ACCESS_DENIED'],
      [new ErrorReply('LOADING Redis is loading the dataset in memory'), 'UNAVAILABLE'],
      [new ErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value'), 'INTERNAL'],
      [new ErrorReply('lower-case reply'), 'INTERNAL'],
      [new SocketTimeoutError(500), 'TIMEOUT'],
      [new ClientOfflineError(), 'UNAVAILABLE'],
      ['a string', 'UNAVAILABLE'],
    ];
    for (const [raw, code] of cases) {
      const mapped = mapRedisCacheError(raw, 'cache.get');
      expect(mapped.code, String(raw)).toBe(code);
      expect(mapped).toMatchObject({ operation: 'cache.get', adapter: 'redis', cause: raw });
    }
  });

  it('passes StorageErrors through with context', () => {
    const original = new StorageError('CACHE_MISS', 'x');
    const mapped = mapRedisCacheError(original, 'cache.keys');
    expect(isStorageError(mapped, 'CACHE_MISS')).toBe(true);
    expect(mapped.operation).toBe('cache.keys');
  });
});

describe('LocalFence', () => {
  it('refuses a key changed, or everything flushed, after the token was taken', () => {
    const fence = new LocalFence(3);
    const before = fence.start();
    fence.changed('a');
    expect(fence.unchanged('a', before)).toBe(false);
    expect(fence.unchanged('b', before)).toBe(true);
    const after = fence.start();
    expect(fence.unchanged('a', after)).toBe(true);
    fence.flushAll();
    expect(fence.unchanged('b', after)).toBe(false);
    expect(fence.unchanged('b', fence.start())).toBe(true);
  });

  it('forgetting a key past its bound counts as a flush, never as unchanged', () => {
    const fence = new LocalFence(2);
    const token = fence.start();
    fence.changed('a');
    fence.changed('b');
    fence.changed('c'); // 'a' forgotten
    expect(fence.unchanged('a', token)).toBe(false);
    expect(fence.unchanged('z', token)).toBe(false);
    fence.changed('b'); // re-marking a remembered key keeps it newest
    expect(fence.unchanged('c', fence.start())).toBe(true);
  });
});
