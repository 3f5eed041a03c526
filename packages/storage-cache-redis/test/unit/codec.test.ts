import { describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import { decodeEntry, decodeInvalidation, encodeEntry, encodeInvalidation, tombstone } from '../../src/codec.js';

describe('entry codec', () => {
  it('round-trips every field, numeric and string versions, and binary values', () => {
    const entry = { value: { a: [1, 'two', null], bytes: new Uint8Array([0, 255]) }, version: 'v-7', etag: '"e"', storedAt: 1_700_000_000_123 };
    expect(decodeEntry(encodeEntry(entry, 42))).toEqual({ entry, expiresAt: 42 });
    expect(decodeEntry(encodeEntry({ ...entry, version: 3 }, 0))?.entry.version).toBe(3);
  });

  it('reads tombstones, foreign values and wrong shapes as misses', () => {
    const packr = new Packr({ useRecords: false });
    expect(decodeEntry(tombstone('me'))).toBeUndefined();
    expect(decodeEntry(Buffer.alloc(0))).toBeUndefined();
    expect(decodeEntry(Buffer.from('plain text someone else wrote'))).toBeUndefined();
    expect(decodeEntry(Buffer.from([0xc1]))).toBeUndefined(); // never-used msgpack byte: unpack throws
    expect(decodeEntry(packr.pack([1, 2, 3]))).toBeUndefined();
    expect(decodeEntry(packr.pack(['v', true, 'e', 1, 0]))).toBeUndefined();
    expect(decodeEntry(packr.pack(['v', 1, 7, 1, 0]))).toBeUndefined();
    expect(decodeEntry(packr.pack(['v', 1, 'e', 'later', 0]))).toBeUndefined();
    expect(decodeEntry(packr.pack(['v', 1, 'e', 1, 'never']))).toBeUndefined();
  });

  it('tombstones start with NUL and name their origin', () => {
    const t = tombstone('origin-1');
    expect(t[0]).toBe(0);
    expect(t.subarray(1).toString()).toBe('origin-1');
  });
});

describe('invalidation codec', () => {
  it('round-trips origin and keys, dropping non-string keys', () => {
    expect(decodeInvalidation(encodeInvalidation('o', ['a', 'b\u0000c']))).toEqual({ origin: 'o', keys: ['a', 'b\u0000c'] });
    const packr = new Packr({ useRecords: false });
    expect(decodeInvalidation(packr.pack(['o', ['a', 1, null]]))).toEqual({ origin: 'o', keys: ['a'] });
  });

  it('refuses malformed messages', () => {
    const packr = new Packr({ useRecords: false });
    expect(decodeInvalidation(Buffer.from([0xc1]))).toBeUndefined();
    expect(decodeInvalidation(packr.pack('text'))).toBeUndefined();
    expect(decodeInvalidation(packr.pack([1, ['a']]))).toBeUndefined();
    expect(decodeInvalidation(packr.pack(['o', 'a']))).toBeUndefined();
  });
});
