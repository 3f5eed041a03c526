import { describe, expect, it } from 'vitest';
import { encodeEntry, tombstone } from '../../src/codec.js';
import { DecodedMemo, MEMO_MAX_REPLY_BYTES } from '../../src/decoded-memo.js';

const reply = (value: unknown, version = 1) => encodeEntry({ value, version, etag: `e${String(version)}`, storedAt: 1 }, 0);
/** A reply as the client hands it over: a view into a larger read buffer. */
const inReadBuffer = (bytes: Buffer) => {
  const chunk = Buffer.alloc(bytes.length + 64, 7);
  bytes.copy(chunk, 32);
  return chunk.subarray(32, 32 + bytes.length);
};
const freeze = <T>(stored: T): T => {
  Object.freeze((stored as { entry: { value: object } }).entry.value);
  return stored;
};

describe('DecodedMemo (reuseDecoded)', () => {
  it('the same bytes again give the same frozen entry; other bytes are decoded anew', () => {
    const memo = new DecodedMemo(8);
    const first = freeze(memo.decode('k', reply({ n: 1 })));
    expect(memo.decode('k', inReadBuffer(reply({ n: 1 })))).toBe(first);
    const changed = memo.decode('k', reply({ n: 2 }, 2));
    expect(changed).not.toBe(first);
    expect(changed?.entry).toMatchObject({ value: { n: 2 }, version: 2 });
    // Same length, one byte different: compared in full, not by length or prefix.
    const a = memo.decode('s', reply('aaaa'));
    freeze(a);
    expect(memo.decode('s', reply('aaab'))?.entry.value).toBe('aaab');
  });

  it('hands out a fresh decode when the value it gave last time is not frozen (someone may have changed it)', () => {
    const memo = new DecodedMemo(8);
    const first = memo.decode('k', reply({ n: 1 }))!;
    (first.entry.value as { n: number }).n = 99;
    const second = memo.decode('k', reply({ n: 1 }));
    expect(second).not.toBe(first);
    expect(second?.entry.value).toEqual({ n: 1 });
    // Primitives cannot be changed: shared as they are.
    const text = memo.decode('t', reply('text'));
    expect(memo.decode('t', reply('text'))).toBe(text);
  });

  it('keeps its own copy of the reply, not a view that pins the client buffer or changes with it', () => {
    const memo = new DecodedMemo(8);
    const bytes = inReadBuffer(reply({ n: 1 }));
    const first = freeze(memo.decode('k', bytes));
    bytes.fill(0); // the client reuses its buffer for the next reply
    expect(memo.decode('k', reply({ n: 1 }))).toBe(first);
  });

  it('keeps nothing for tombstones, foreign bytes or replies over the size limit', () => {
    const memo = new DecodedMemo(8);
    expect(memo.decode('k', tombstone('me'))).toBeUndefined();
    expect(memo.decode('k', Buffer.from('not ours'))).toBeUndefined();
    expect(memo.size).toBe(0);
    const big = reply('x'.repeat(MEMO_MAX_REPLY_BYTES));
    expect(big.length).toBeGreaterThan(MEMO_MAX_REPLY_BYTES);
    expect(memo.decode('big', big)?.entry.value).toHaveLength(MEMO_MAX_REPLY_BYTES);
    expect(memo.size).toBe(0);
    // A key whose value grew past the limit (or was deleted) is forgotten.
    freeze(memo.decode('k', reply({ n: 1 })));
    expect(memo.size).toBe(1);
    memo.decode('k', tombstone('me'));
    expect(memo.size).toBe(0);
  });

  it('holds at most maxEntries keys, dropping the one kept longest', () => {
    const memo = new DecodedMemo(2);
    const a = freeze(memo.decode('a', reply('A')));
    freeze(memo.decode('b', reply('B')));
    freeze(memo.decode('c', reply('C')));
    expect(memo.size).toBe(2);
    expect(memo.decode('a', reply('A'))).not.toBe(a); // 'a' was dropped, decoded anew (and 'b' dropped for it)
    const c = memo.decode('c', reply('C'));
    expect(memo.decode('c', reply('C'))).toBe(c);
    memo.clear();
    expect(memo.size).toBe(0);
  });
});
