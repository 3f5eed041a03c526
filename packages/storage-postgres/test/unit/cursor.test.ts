import { describe, expect, it } from 'vitest';
import { isStorageError } from '@sanctum/storage-core';
import { decodeCursor, encodeCursor, prefixUpperBound } from '../../src/cursor.js';

const context = { operation: 'records.list', namespace: 'ns' };
const listing = { namespace: 'ns', prefix: '' };

describe('cursors', () => {
  it('round-trip any storable key', () => {
    for (const key of ['a', 'k-0001', 'Grüße/日本/😀', ' ', 'x'.repeat(2000)]) {
      const cursor = encodeCursor(listing, key);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor, listing, context)).toBe(key);
    }
  });

  it('refuse anything this store did not issue with INVALID_ARGUMENT', () => {
    const foreign = [
      '!!not a cursor!!',
      '{"after":1}',
      '\u00ff\u00fe',
      '',
      42,
      Buffer.from('r\u0000key').toString('base64url'),
      Buffer.from('pg1\u0000').toString('base64url'),
      encodeCursor(listing, ''),
      encodeCursor(listing, 'a\u0000b'),
      encodeCursor({ namespace: 'other', prefix: '' }, 'k'),
      encodeCursor({ namespace: 'ns', prefix: 'p' }, 'p1'),
      `${encodeCursor(listing, 'k')}A`,
      Buffer.from([0x70, 0x67, 0x31, 0x00, 0xff]).toString('base64url'),
    ];
    for (const cursor of foreign) {
      let caught: unknown;
      try {
        decodeCursor(cursor, listing, context);
      } catch (error) {
        caught = error;
      }
      expect(isStorageError(caught, 'INVALID_ARGUMENT'), `cursor ${JSON.stringify(cursor)}`).toBe(true);
    }
  });
});

describe('prefixUpperBound', () => {
  it('is the next string in code point order', () => {
    expect(prefixUpperBound('')).toBeUndefined();
    expect(prefixUpperBound('abc')).toBe('abd');
    expect(prefixUpperBound('a/')).toBe('a0');
    expect(prefixUpperBound('a\u007f')).toBe('a\u0080');
    expect(prefixUpperBound('é')).toBe('ê');
    expect(prefixUpperBound('\ud7ff')).toBe('\ue000');
    expect(prefixUpperBound('😀')).toBe('😁');
    expect(prefixUpperBound('a\u{10ffff}')).toBe('b');
    expect(prefixUpperBound('\u{10ffff}\u{10ffff}')).toBeUndefined();
  });

  it('bounds exactly the strings that start with the prefix (byte order)', () => {
    const samples = ['a', 'ab', 'abc', 'abd', 'a\u{10ffff}', 'ab\u{10ffff}z', 'ac', 'b', 'ab\u0000', 'aa\u{10ffff}'];
    const bytes = (s: string) => Buffer.from(s, 'utf8');
    for (const prefix of ['a', 'ab', 'a\u{10ffff}']) {
      const upper = prefixUpperBound(prefix)!;
      for (const sample of samples) {
        const inRange = Buffer.compare(bytes(sample), bytes(prefix)) >= 0 && Buffer.compare(bytes(sample), bytes(upper)) < 0;
        expect(inRange, `${JSON.stringify(sample)} vs ${JSON.stringify(prefix)}`).toBe(sample.startsWith(prefix));
      }
    }
  });
});
