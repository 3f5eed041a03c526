import { describe, expect, it } from 'vitest';
import { isStorageError } from '@sanctum/storage-core';
import { decodeCursor, encodeCursor, prefixUpperBound } from '../../../src/cursor.js';

// Pins how the PostgreSQL adapter refuses cursors it did not issue (code, message, field, where) and
// the edges of the prefix range bound its listings use.

const where = { operation: 'records.list', namespace: 'ns', adapter: 'postgres' };
const listing = { namespace: 'ns', prefix: '' };

function refusal(cursor: unknown): unknown {
  try {
    decodeCursor(cursor, listing, where);
  } catch (error) {
    return error;
  }
  throw new Error(`cursor ${JSON.stringify(cursor)} was accepted`);
}

describe('cursor refusals', () => {
  it('a cursor holding an empty key or a NUL is INVALID_ARGUMENT on field "cursor", with the adapter\'s message', () => {
    for (const key of ['', 'a\u0000b', '\u0000']) {
      const error = refusal(encodeCursor(listing, key));
      expect(isStorageError(error, 'INVALID_ARGUMENT')).toBe(true);
      expect((error as Error).message).toContain('cursor is not one this store issued');
      expect(error).toMatchObject({ operation: 'records.list', namespace: 'ns', adapter: 'postgres', details: { field: 'cursor' } });
    }
  });

  it('any other key comes back as it was written, even one of a single control character', () => {
    expect(decodeCursor(encodeCursor(listing, 'a'), listing, where)).toBe('a');
    expect(decodeCursor(encodeCursor(listing, '\u0001'), listing, where)).toBe('\u0001');
  });
});

describe('prefixUpperBound edges', () => {
  it('skips trailing U+10FFFF code points, jumps the surrogate gap, and has no bound for an empty prefix', () => {
    expect(prefixUpperBound('')).toBeUndefined();
    expect(prefixUpperBound('\u{10ffff}\u{10ffff}')).toBeUndefined();
    expect(prefixUpperBound('a\u{10ffff}')).toBe('b');
    expect(prefixUpperBound('x\ud7ff')).toBe('x\ue000');
    expect(prefixUpperBound('\ud7fe')).toBe('\ud7ff');
    expect(prefixUpperBound('ab')).toBe('ac');
  });
});
