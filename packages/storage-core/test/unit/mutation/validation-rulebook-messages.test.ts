import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { isStorageError } from '../../../src/index.js';
import {
  MAX_BATCH,
  MAX_DELIVERIES,
  MAX_IN_FLIGHT,
  MAX_JSON_DEPTH,
  MAX_KEY_BYTES,
  MAX_PAGE_LIMIT,
  MAX_PRESIGN_SECONDS,
  MAX_TIMER_MS,
  MAX_TTL_MS,
  assertKey,
  assertKeyList,
  assertTimerMs,
  assertUniqueEntryKeys,
  assertUserMetadata,
  conformToSchema,
  decodeListingCursor,
  describeType,
  encodeJsonPayload,
  encodeListingCursor,
  hasLoneSurrogate,
  isBlobBody,
  prefixOf,
  serializeJson,
  validateBlobDelete,
  validateBlobGet,
  validateBlobList,
  validateBlobPresign,
  validateBlobPut,
  validatePublish,
  validateRecordDelete,
  validateRecordGet,
  validateRecordKeys,
  validateRecordList,
  validateRecordPut,
  validateRecordPutMany,
  validateSubscribe,
} from '../../../src/validation/index.js';

// Core's one rulebook for input (ADR-005): each refusal names its field and says what was wrong and
// what to pass instead. The messages are what a caller reads, so they are pinned here exactly, with
// the bounds at their edges.
const where = { operation: 'op', namespace: 'ns' };

function refusal(work: () => unknown): { code: string; message: string; field: unknown; details: Record<string, unknown> | undefined; operation: unknown; namespace: unknown } {
  try {
    work();
  } catch (error) {
    if (!isStorageError(error)) throw error;
    return { code: error.code, message: error.message, field: error.details?.['field'], details: error.details as never, operation: error.operation, namespace: error.namespace };
  }
  throw new Error('expected a StorageError, but the call was accepted');
}

const bad = (field: string, message: string) => ({ code: 'INVALID_ARGUMENT', field, message, operation: 'op', namespace: 'ns' });

describe('describeType: how a refused value appears in a message', () => {
  it.each([
    [null, 'null'],
    [[1], 'an array'],
    [{}, 'an object'],
    [Object.create(null), 'an object'],
    [new Map(), 'a Map'],
    [new (class Custom {})(), 'a Custom'],
    [Number.NaN, 'NaN'],
    [7, 'number 7'],
    [10n, 'the BigInt 10n'],
    ['s', 'string'],
    [undefined, 'undefined'],
    [() => 1, 'function'],
  ])('%o reads as %s', (value, text) => {
    expect(describeType(value)).toBe(text);
  });

  it('an object whose constructor has no string name reads as an object', () => {
    const odd = Object.create({ constructor: { name: 42 } }) as object;
    expect(describeType(odd)).toBe('an object');
  });
});

describe('keys', () => {
  it('refuses each kind of bad key with its own message', () => {
    expect(refusal(() => assertKey(5, where))).toMatchObject(bad('key', 'key must be a string, got number 5'));
    expect(refusal(() => assertKey('', where))).toMatchObject(bad('key', 'key must not be empty'));
    expect(refusal(() => assertKey('a\nb', where))).toMatchObject(bad('key', 'key contains a control character (NUL, newline, tab, …); remove it or encode the key'));
    expect(refusal(() => assertKey('a\u007fb', where)).field).toBe('key');
    expect(refusal(() => assertKey('\u001f', where)).field).toBe('key');
    expect(refusal(() => assertKey('a\ud800', where))).toMatchObject(bad('key', 'key contains a lone UTF-16 surrogate, which has no UTF-8 form; pass well-formed text'));
    expect(refusal(() => assertKey('a/../b', where))).toMatchObject(bad('key', 'key contains a ".." path segment; keys may not navigate upwards'));
  });

  it('".." is refused only as a whole segment, with / or \\ as separators', () => {
    for (const key of ['..', '../a', 'a/..', 'a/../b', 'a\\..\\b', '..\\a']) expect(refusal(() => assertKey(key, where)).field).toBe('key');
    for (const key of ['a..b', '...', 'a/...', '..a', 'a..', 'a/.../b']) expect(() => assertKey(key, where)).not.toThrow();
  });

  it('counts the byte limit in UTF-8, inclusive', () => {
    expect(() => assertKey('a'.repeat(10), where, 10)).not.toThrow();
    expect(refusal(() => assertKey('a'.repeat(11), where, 10))).toMatchObject(bad('key', 'key is 11 bytes; the limit for this namespace is 10 bytes (UTF-8)'));
    // 4 units of 3 bytes: 12 bytes, over 10, though only 4 characters.
    expect(refusal(() => assertKey('€€€€', where, 10)).message).toBe('key is 12 bytes; the limit for this namespace is 10 bytes (UTF-8)');
    expect(() => assertKey('€€€', where, 9)).not.toThrow();
    expect(() => assertKey('a'.repeat(MAX_KEY_BYTES), where)).not.toThrow();
    expect(refusal(() => assertKey('a'.repeat(MAX_KEY_BYTES + 1), where)).code).toBe('INVALID_ARGUMENT');
    expect(MAX_KEY_BYTES).toBe(4096);
  });

  it('names the field it was given', () => {
    expect(refusal(() => assertKey('', where, 10, 'entries[2].key'))).toMatchObject(bad('entries[2].key', 'entries[2].key must not be empty'));
  });

  it('prefixOf: absent or empty is "", anything else is checked like a key under the name prefix', () => {
    expect(prefixOf(undefined, where)).toBe('');
    expect(prefixOf('', where)).toBe('');
    expect(prefixOf('a/', where)).toBe('a/');
    expect(refusal(() => prefixOf('a\u0000', where)).field).toBe('prefix');
    expect(refusal(() => prefixOf('abc', where, 2))).toMatchObject(bad('prefix', 'prefix is 3 bytes; the limit for this namespace is 2 bytes (UTF-8)'));
  });

  it('key lists: an array of at most MAX_BATCH keys, each named by its index', () => {
    expect(refusal(() => assertKeyList('k', where))).toMatchObject(bad('keys', 'keys must be an array of strings, got string'));
    expect(() => assertKeyList(['a', 'b'], where, 10, 2)).not.toThrow();
    expect(refusal(() => assertKeyList(['a', 'b', 'c'], where, 10, 2))).toMatchObject(bad('keys', 'keys holds 3 keys; at most 2 per call'));
    expect(refusal(() => assertKeyList(['a', ''], where))).toMatchObject(bad('keys[1]', 'keys[1] must not be empty'));
    expect(() => validateRecordKeys(Array.from({ length: MAX_BATCH }, (_, i) => `k${i}`), where)).not.toThrow();
    expect(refusal(() => validateRecordKeys(Array.from({ length: MAX_BATCH + 1 }, (_, i) => `k${i}`), where)).message).toBe('keys holds 1001 keys; at most 1000 per call');
  });
});

describe('lone surrogates', () => {
  it('finds a lone high or low surrogate anywhere, and accepts pairs', () => {
    expect(hasLoneSurrogate('ok 😀')).toBe(false);
    expect(hasLoneSurrogate('\ud83d')).toBe(true);
    expect(hasLoneSurrogate('\ude00x')).toBe(true);
    expect(hasLoneSurrogate('x\ud83dy')).toBe(true);
  });

  it('the fallback scan (for runtimes without String.prototype.isWellFormed) gives the same answers', async () => {
    const descriptor = Object.getOwnPropertyDescriptor(String.prototype, 'isWellFormed');
    delete (String.prototype as { isWellFormed?: unknown }).isWellFormed;
    try {
      vi.resetModules();
      const keys = await import('../../../src/validation/keys.js');
      const cases: Array<[string, boolean]> = [
        ['', false],
        ['plain', false],
        ['😀', false],
        ['a😀b😀', false],
        ['\ud7ff\ue000', false], // just outside the surrogate range on both sides
        ['\ud800', true],
        ['\udbff', true],
        ['\udc00', true],
        ['\udfff', true],
        ['\ud83dx', true], // high surrogate followed by a non-surrogate
        ['\ud83d\ud83d', true], // high followed by high
        ['x\ude00', true], // low without a high before it
        ['😀\ude00', true],
        ['\ud83d\udbff', true], // high followed by a high at the edge
        ['\ud83d\ue000', true], // high followed by the first unit past the low range
      ];
      for (const [text, lone] of cases) expect([text, keys.hasLoneSurrogate(text)]).toEqual([text, lone]);
    } finally {
      Object.defineProperty(String.prototype, 'isWellFormed', descriptor!);
      vi.resetModules();
    }
  });
});

describe('numbers and TTLs', () => {
  it('page limits: 100 by default, 1 to MAX_PAGE_LIMIT, refused (never clamped) outside', () => {
    expect(validateRecordList({ namespace: 'ns' }, where)).toEqual({ prefix: '', limit: 100 });
    expect(validateRecordList({ namespace: 'ns', limit: 1 }, where).limit).toBe(1);
    expect(validateRecordList({ namespace: 'ns', limit: MAX_PAGE_LIMIT }, where).limit).toBe(1000);
    expect(refusal(() => validateRecordList({ namespace: 'ns', limit: 0 }, where))).toMatchObject(bad('limit', 'limit must be an integer from 1 to 1000, got number 0'));
    expect(refusal(() => validateRecordList({ namespace: 'ns', limit: 1001 }, where)).field).toBe('limit');
    expect(refusal(() => validateRecordList({ namespace: 'ns', limit: 1.5 }, where)).field).toBe('limit');
    expect(refusal(() => validateRecordList({ namespace: 'ns', limit: '5' as never }, where)).message).toBe('limit must be an integer from 1 to 1000, got string');
  });

  it('TTLs: absent, or 1 ms to ten years', () => {
    const put = (ttlMs: unknown) => () => validateRecordPut({ namespace: 'ns', key: 'k', value: 1, ttlMs: ttlMs as number }, where);
    expect(put(undefined)).not.toThrow();
    expect(put(1)).not.toThrow();
    expect(put(MAX_TTL_MS)).not.toThrow();
    expect(MAX_TTL_MS).toBe(315_360_000_000);
    expect(refusal(put(0))).toMatchObject(bad('ttlMs', 'ttlMs must be an integer from 1 to 315360000000, got number 0'));
    expect(refusal(put(MAX_TTL_MS + 1)).field).toBe('ttlMs');
  });

  it('timer-sized values: absent, or 1 ms to 2^31-1 ms', () => {
    expect(() => assertTimerMs(undefined, where, 'timeoutMs')).not.toThrow();
    expect(() => assertTimerMs(1, where, 'timeoutMs')).not.toThrow();
    expect(() => assertTimerMs(MAX_TIMER_MS, where, 'timeoutMs')).not.toThrow();
    expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
    expect(refusal(() => assertTimerMs(0, where, 'timeoutMs'))).toMatchObject(bad('timeoutMs', 'timeoutMs must be an integer from 1 to 2147483647, got number 0'));
    expect(refusal(() => assertTimerMs(MAX_TIMER_MS + 1, where, 'timeoutMs')).field).toBe('timeoutMs');
  });
});

describe('record requests', () => {
  it('preconditions: a non-empty ifMatch, ifNoneMatch only "*", never both', () => {
    const put = (extra: object) => () => validateRecordPut({ namespace: 'ns', key: 'k', value: 1, ...extra } as never, where);
    expect(put({ ifMatch: 'e1' })).not.toThrow();
    expect(put({ ifNoneMatch: '*' })).not.toThrow();
    expect(refusal(put({ ifMatch: '' }))).toMatchObject(bad('ifMatch', 'ifMatch must be a non-empty ETag string from a previous read or write'));
    expect(refusal(put({ ifMatch: 3 })).field).toBe('ifMatch');
    expect(refusal(put({ ifNoneMatch: 'e1' }))).toMatchObject(bad('ifNoneMatch', "ifNoneMatch only accepts '*' (create only), got string"));
    expect(refusal(put({ ifMatch: 'e1', ifNoneMatch: '*' }))).toMatchObject(bad('ifNoneMatch', 'ifMatch and ifNoneMatch cannot be combined; use one precondition'));
    expect(refusal(() => validateRecordDelete({ namespace: 'ns', key: 'k', ifMatch: '' }, where)).field).toBe('ifMatch');
    expect(() => validateRecordDelete({ namespace: 'ns', key: 'k', ifMatch: 'e' }, where)).not.toThrow();
  });

  it('read preferences: a known consistency and a boolean bypassCache', () => {
    for (const consistency of ['strong', 'eventual', 'cache_only'] as const) expect(() => validateRecordGet({ namespace: 'ns', key: 'k', consistency }, where)).not.toThrow();
    expect(refusal(() => validateRecordGet({ namespace: 'ns', key: 'k', consistency: 'weak' as never }, where))).toMatchObject(
      bad('consistency', 'consistency must be "strong", "eventual" or "cache_only", got string'),
    );
    expect(refusal(() => validateRecordGet({ namespace: 'ns', key: 'k', bypassCache: 'yes' as never }, where))).toMatchObject(
      bad('bypassCache', 'bypassCache must be a boolean, got string'),
    );
    expect(() => validateRecordGet({ namespace: 'ns', key: 'k', bypassCache: false }, where)).not.toThrow();
    expect(refusal(() => validateRecordGet({ namespace: 'ns', key: 'k'.repeat(5) }, where, { maxKeyBytes: 4 })).field).toBe('key');
  });

  it('list cursors: absent, or the non-empty string of a previous page', () => {
    expect(validateRecordList({ namespace: 'ns', prefix: 'p/', cursor: 'c' }, where)).toEqual({ prefix: 'p/', limit: 100 });
    expect(refusal(() => validateRecordList({ namespace: 'ns', cursor: '' }, where))).toMatchObject(
      bad('cursor', 'cursor must be the non-empty string a previous page returned, got string'),
    );
    expect(refusal(() => validateRecordList({ namespace: 'ns', cursor: 5 as never }, where)).message).toBe('cursor must be the non-empty string a previous page returned, got number 5');
    expect(refusal(() => validateRecordList({ namespace: 'ns', prefix: 'abc' }, where, { maxKeyBytes: 2 })).field).toBe('prefix');
  });

  it('put values: serialized once, bounded by maxValueBytes, and a caller-supplied text is trusted only when allowed', () => {
    expect(validateRecordPut({ namespace: 'ns', key: 'k', value: { a: 1 } }, where)).toBe('{"a":1}');
    expect(validateRecordPut({ namespace: 'ns', key: 'k', value: { a: 1 }, serialized: 'TEXT' }, where)).toBe('TEXT');
    expect(validateRecordPut({ namespace: 'ns', key: 'k', value: { a: 1 }, serialized: 'TEXT' }, where, { useSerialized: false })).toBe('{"a":1}');
    expect(validateRecordPut({ namespace: 'ns', key: 'k', value: 'abc' }, where, { maxValueBytes: 5 })).toBe('"abc"');
    expect(refusal(() => validateRecordPut({ namespace: 'ns', key: 'k', value: 'abcd' }, where, { maxValueBytes: 5 }))).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: 'value serialized is 6 bytes; this namespace accepts at most 5',
      details: { field: 'value', bytes: 6, maxBytes: 5 },
    });
    expect(refusal(() => validateRecordPut({ namespace: 'ns', key: 'k', value: undefined as never }, where))).toMatchObject(bad('value', 'value is undefined; pass JSON data (null is allowed)'));
  });

  it('putMany: an array of at most MAX_BATCH objects, each key once, each entry named by its index', () => {
    const many = (entries: unknown, limits = {}) => () => validateRecordPutMany({ namespace: 'ns', entries } as never, where, limits);
    expect(many([{ key: 'a', value: 1 }, { key: 'b', value: [2] }])()).toEqual(['1', '[2]']);
    expect(refusal(many('x'))).toMatchObject(bad('entries', 'entries must be an array, got string'));
    expect(refusal(many([1]))).toMatchObject(bad('entries[0]', 'entries[0] must be an object'));
    expect(refusal(many([null])).field).toBe('entries[0]');
    expect(refusal(many([{ key: 'a', value: 1 }, { key: 'a', value: 2 }]))).toMatchObject(
      bad('entries[1].key', 'entries[1].key repeats an earlier key; write each key at most once per putMany'),
    );
    expect(refusal(many([{ key: 'a', value: 1 }, { key: '', value: 2 }]))).toMatchObject(bad('entries[1].key', 'entries[1].key must not be empty'));
    expect(refusal(many([{ key: 'a', value: 1, ttlMs: 0 }])).field).toBe('entries[0].ttlMs');
    expect(refusal(many([{ key: 'a', value: 1, ifNoneMatch: 'x' }])).field).toBe('ifNoneMatch');
    expect(refusal(many([{ key: 'a', value: 'abcd' }], { maxValueBytes: 5 }))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { field: 'entries[0].value' } });
    expect(refusal(many([{ key: 'abc', value: 1 }], { maxKeyBytes: 2 })).field).toBe('entries[0].key');
    expect(() => many(Array.from({ length: MAX_BATCH }, (_, i) => ({ key: `k${i}`, value: i })))()).not.toThrow();
    expect(refusal(many(Array.from({ length: MAX_BATCH + 1 }, (_, i) => ({ key: `k${i}`, value: i }))))).toMatchObject(
      bad('entries', 'entries holds 1001 entries; at most 1000 per call'),
    );
    expect(() => assertUniqueEntryKeys([{ key: 'a' }, { key: 'b' }], where, 2)).not.toThrow();
  });
});

describe('JSON values', () => {
  it.each([
    [{ n: Number.NaN }, 'value.n is NaN, which JSON turns into null'],
    [[Infinity], 'value[0] is Infinity, which JSON turns into null'],
    [{ a: [1, undefined] }, 'value.a[1] is undefined, which JSON turns into null inside an array'],
    [{ f: () => 1 }, 'value.f is function, which JSON cannot represent'],
    [{ d: new Date(0) }, 'value.d is a Date, which JSON would store in a changed form'],
    [{ s: 'a\ud800' }, 'value.s holds a lone UTF-16 surrogate'],
  ])('%o is refused: %s', (value, text) => {
    expect(refusal(() => serializeJson(value, where))).toMatchObject(
      bad('value', `${text}; store only JSON data (plain objects, arrays, strings, finite numbers, booleans, null)`),
    );
  });

  it('reports a cycle and the path to it', () => {
    const value: Record<string, unknown> = { a: {} };
    (value['a'] as Record<string, unknown>)['back'] = value;
    expect(refusal(() => serializeJson(value, where)).message).toBe(
      'value.a.back refers back to itself (a cycle); store only JSON data (plain objects, arrays, strings, finite numbers, booleans, null)',
    );
  });

  it('accepts exactly MAX_JSON_DEPTH levels of nesting and refuses one more', () => {
    const nest = (levels: number): unknown => {
      let value: unknown = 1;
      for (let i = 0; i < levels; i += 1) value = [value];
      return value;
    };
    expect(MAX_JSON_DEPTH).toBe(128);
    expect(() => serializeJson(nest(MAX_JSON_DEPTH), where)).not.toThrow();
    const message = refusal(() => serializeJson(nest(MAX_JSON_DEPTH + 1), where)).message;
    expect(message).toContain('is nested more than 128 levels deep');
    expect(message.startsWith(`value${'[0]'.repeat(MAX_JSON_DEPTH)} `)).toBe(true);
  });

  it('checks every element and every property, not just the first', () => {
    expect(refusal(() => serializeJson([1, 2, Number.NaN], where)).message).toContain('value[2] is NaN');
    expect(refusal(() => serializeJson({ a: 1, b: undefined, c: Number.NaN }, where)).message).toContain('value.c is NaN');
    expect(serializeJson({ a: 1, b: undefined, c: [true, null, 'x'] }, where)).toBe('{"a":1,"c":[true,null,"x"]}');
  });

  it('a shared, non-circular child is visited again after the branch that held it (ancestors unwind)', () => {
    const shared = [1];
    expect(serializeJson([[shared], shared, { x: shared }], where)).toBe('[[[1]],[1],{"x":[1]}]');
  });

  it('names the field lazily through a function, or "value" when none is given', () => {
    let built = 0;
    const field = () => {
      built += 1;
      return 'messages[4].payload';
    };
    expect(serializeJson({ ok: 1 }, where, { field })).toBe('{"ok":1}');
    expect(built).toBe(0);
    expect(refusal(() => serializeJson(Number.NaN, where, { field }))).toMatchObject(bad('messages[4].payload', 'messages[4].payload is NaN, which JSON turns into null; store only JSON data (plain objects, arrays, strings, finite numbers, booleans, null)'));
    expect(refusal(() => serializeJson(undefined, where, { field: 'payload' })).message).toBe('payload is undefined; pass JSON data (null is allowed)');
  });

  it('counts the size limit in UTF-8 bytes, inclusive', () => {
    expect(serializeJson('€', where, { maxBytes: 5 })).toBe('"€"');
    expect(refusal(() => serializeJson('€', where, { maxBytes: 4 }))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { field: 'value', bytes: 5, maxBytes: 4 } });
  });
});

describe('listing cursors', () => {
  const listing = { namespace: 'ns', prefix: 'p/' };
  it('round-trips a position bound to namespace, prefix and delimiter', () => {
    const cursor = encodeListingCursor(listing, 'pos-1');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeListingCursor(cursor, listing, where)).toBe('pos-1');
    expect(decodeListingCursor(encodeListingCursor({ namespace: 'ns' }, ''), { namespace: 'ns', prefix: '' }, where)).toBe('');
  });

  it('refuses garbage and cursors of another listing, each with its reason', () => {
    const again = '; pass the cursor of the previous page of this same listing';
    const cursor = encodeListingCursor(listing, 'pos');
    expect(refusal(() => decodeListingCursor(5, listing, where))).toMatchObject(bad('cursor', `cursor is not one this store issued${again}`));
    expect(refusal(() => decodeListingCursor('not base64!', listing, where)).message).toBe(`cursor is not one this store issued${again}`);
    expect(refusal(() => decodeListingCursor(`${cursor}A`, listing, where)).message).toBe(`cursor is not one this store issued${again}`);
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
    expect(refusal(() => decodeListingCursor(b64('{not json'), listing, where)).message).toBe(`cursor is not one this store issued${again}`);
    expect(refusal(() => decodeListingCursor(b64('{"a":1}'), listing, where)).message).toBe(`cursor is not one this store issued${again}`);
    expect(refusal(() => decodeListingCursor(b64('["ns","p/","",1]'), listing, where)).message).toBe(`cursor is not one this store issued${again}`);
    expect(refusal(() => decodeListingCursor(b64('["ns","p/",""]'), listing, where)).message).toBe(`cursor is not one this store issued${again}`);
    expect(refusal(() => decodeListingCursor(b64('["ns","p/","","x","y"]'), listing, where)).message).toBe(`cursor is not one this store issued${again}`);
    expect(refusal(() => decodeListingCursor(cursor, { namespace: 'other', prefix: 'p/' }, where)).message).toBe(`cursor belongs to another namespace${again}`);
    expect(refusal(() => decodeListingCursor(cursor, { namespace: 'ns', prefix: 'q/' }, where)).message).toBe(
      `cursor belongs to a listing with another prefix or delimiter${again}`,
    );
    expect(refusal(() => decodeListingCursor(cursor, { ...listing, delimiter: '/' }, where)).message).toBe(
      `cursor belongs to a listing with another prefix or delimiter${again}`,
    );
  });
});

describe('streams', () => {
  const message = (extra: object = {}) => ({ payload: new Uint8Array(2), ...extra });
  const publish = (messages: unknown, extra: object = {}, limits: object = {}) => () => validatePublish({ namespace: 'ns', messages, ...extra } as never, where, limits);

  it('encodes a JSON payload to its UTF-8 bytes', () => {
    expect(Buffer.from(encodeJsonPayload({ a: 'é' }, where)).toString('utf8')).toBe('{"a":"é"}');
    expect(refusal(() => encodeJsonPayload(Number.NaN, where)).field).toBe('payload');
  });

  it('a batch is a non-empty array within the store bound; timeoutMs may be 0', () => {
    expect(refusal(publish([]))).toMatchObject(bad('messages', 'publish needs a non-empty array of messages, got an array'));
    expect(refusal(publish('x')).message).toBe('publish needs a non-empty array of messages, got string');
    expect(publish([message(), message()], {}, { maxBatch: 2 })).not.toThrow();
    expect(refusal(publish([message(), message(), message()], {}, { maxBatch: 2 }))).toMatchObject(
      bad('messages', "a batch of 3 messages is larger than this store's bound of 2"),
    );
    expect(publish([message()], { timeoutMs: 0 })).not.toThrow();
    expect(publish([message()], { timeoutMs: MAX_TIMER_MS })).not.toThrow();
    expect(refusal(publish([message()], { timeoutMs: -1 })).field).toBe('timeoutMs');
    expect(refusal(publish([message()], { timeoutMs: MAX_TIMER_MS + 1 })).field).toBe('timeoutMs');
  });

  it('each message: an object with a Uint8Array payload and an optional usable key', () => {
    expect(refusal(publish([message(), 5]))).toMatchObject(bad('messages[1]', 'messages[1] must be an object with a payload'));
    expect(refusal(publish([null])).field).toBe('messages[0]');
    expect(refusal(publish([{ payload: 'x' }]))).toMatchObject(bad('messages[0].payload', 'messages[0].payload must be a Uint8Array, got string'));
    expect(publish([message({ key: 'k' })])).not.toThrow();
    expect(publish([message({ key: 'k'.repeat(1024) })])).not.toThrow();
    expect(refusal(publish([message({ key: 'k'.repeat(1025) })]))).toMatchObject(bad('messages[0].key', 'messages[0].key is 1025 bytes; the limit for this namespace is 1024 bytes (UTF-8)'));
    expect(refusal(publish([message({ key: '' })])).field).toBe('messages[0].key');
  });

  it('headers: string values without control characters; their bytes count with the payload', () => {
    expect(publish([message({ headers: { a: 'b' } })], {}, { maxPayloadBytes: 4 })).not.toThrow();
    expect(refusal(publish([message({ headers: { a: 'bc' } })], {}, { maxPayloadBytes: 4 }))).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: 'messages[0] (payload plus headers) is 5 bytes; this namespace accepts at most 4',
      details: { field: 'messages[0].payload', bytes: 5, maxBytes: 4 },
    });
    expect(publish([message()], {}, { maxPayloadBytes: 2 })).not.toThrow();
    expect(refusal(publish([message()], {}, { maxPayloadBytes: 1 })).code).toBe('PAYLOAD_TOO_LARGE');
    expect(refusal(publish([message({ headers: [] })]))).toMatchObject(bad('messages[0].headers', 'messages[0].headers must be an object of string values, got an array'));
    expect(refusal(publish([message({ headers: 'h' })])).field).toBe('messages[0].headers');
    expect(refusal(publish([message({ headers: null })])).field).toBe('messages[0].headers');
    for (const name of ['', 'a\nb', 'a\ud800']) {
      expect(refusal(publish([message({ headers: { [name]: 'v' } })]))).toMatchObject(
        bad('messages[0].headers', 'messages[0].headers has a header name that is empty or holds control characters or lone surrogates'),
      );
    }
    for (const value of [1, 'a\r\nb', 'a\udc00']) {
      expect(refusal(publish([message({ headers: { h: value } })]))).toMatchObject(
        bad('messages[0].headers.h', 'messages[0].headers.h must be a string without control characters (CR, LF, …) or lone surrogates'),
      );
    }
  });

  const subscription = (extra: object = {}) => ({
    namespace: 'ns',
    group: 'g1',
    handler: async () => undefined,
    maxInFlight: 1,
    maxDeliveries: 1,
    ackTimeoutMs: 1,
    ...extra,
  });
  const subscribe = (extra: object = {}) => () => validateSubscribe(subscription(extra) as never, where);

  it('subscriptions: group and consumer names, handler, onError', () => {
    const naming = '1-128 letters, digits, ".", "_" or "-", starting with a letter or digit';
    expect(subscribe()).not.toThrow();
    expect(subscribe({ group: 'a'.repeat(128), consumer: 'c.1_x-y' })).not.toThrow();
    expect(refusal(subscribe({ group: 'a'.repeat(129) }))).toMatchObject(bad('group', `group must be ${naming}`));
    expect(refusal(subscribe({ group: '-a' })).field).toBe('group');
    expect(refusal(subscribe({ group: 5 })).field).toBe('group');
    expect(refusal(subscribe({ consumer: 'a b' }))).toMatchObject(bad('consumer', `consumer must be ${naming}`));
    expect(refusal(subscribe({ consumer: 7 })).field).toBe('consumer');
    expect(refusal(subscribe({ handler: 'h' }))).toMatchObject(bad('handler', 'handler must be an async function, got string'));
    expect(subscribe({ onError: () => undefined })).not.toThrow();
    expect(refusal(subscribe({ onError: 'x' }))).toMatchObject(bad('onError', 'onError must be a function, got string'));
  });

  it('subscriptions: bounded numbers, inclusive', () => {
    expect(subscribe({ maxInFlight: MAX_IN_FLIGHT, maxDeliveries: MAX_DELIVERIES, ackTimeoutMs: MAX_TIMER_MS })).not.toThrow();
    expect([MAX_IN_FLIGHT, MAX_DELIVERIES]).toEqual([100_000, 1000]);
    expect(refusal(subscribe({ maxInFlight: 0 }))).toMatchObject(bad('maxInFlight', 'maxInFlight must be an integer from 1 to 100000, got number 0'));
    expect(refusal(subscribe({ maxInFlight: MAX_IN_FLIGHT + 1 })).field).toBe('maxInFlight');
    expect(refusal(subscribe({ maxDeliveries: MAX_DELIVERIES + 1 })).field).toBe('maxDeliveries');
    expect(refusal(subscribe({ ackTimeoutMs: 0 })).field).toBe('ackTimeoutMs');
  });

  it('subscriptions: the start position', () => {
    for (const from of [undefined, 'earliest', 'latest', { afterId: '1-0' }, { fromTime: new Date(0) }]) expect(subscribe({ from })).not.toThrow();
    for (const from of ['middle', { afterId: '' }, { afterId: 5 }, { fromTime: new Date(Number.NaN) }, { fromTime: 0 }, null, {}]) {
      expect(refusal(subscribe({ from })).field).toBe('from');
    }
    expect(refusal(subscribe({ from: 'middle' })).message).toBe('from must be "earliest", "latest", { afterId: string } or { fromTime: Date }, got string');
  });
});

describe('blobs', () => {
  const put = (extra: object) => () => validateBlobPut({ namespace: 'ns', key: 'k', body: new Uint8Array(1), ...extra } as never, where);

  it('isBlobBody: bytes, or something with pipe, on and read', () => {
    expect(isBlobBody(new Uint8Array(0))).toBe(true);
    expect(isBlobBody(Buffer.from('x'))).toBe(true);
    expect(isBlobBody(Readable.from(['x']))).toBe(true);
    const fn = () => undefined;
    expect(isBlobBody({ pipe: fn, on: fn, read: fn })).toBe(true);
    expect(isBlobBody({ pipe: fn, on: fn })).toBe(false);
    expect(isBlobBody({ pipe: fn, read: fn })).toBe(false);
    expect(isBlobBody({ on: fn, read: fn })).toBe(false);
    expect(isBlobBody(null)).toBe(false);
    expect(isBlobBody('bytes')).toBe(false);
  });

  it('puts: body, content type, content length, metadata shape', () => {
    expect(put({ contentType: 'text/plain; charset=utf-8', contentLength: 0, metadata: { a: 'b' } })).not.toThrow();
    expect(refusal(put({ body: 'x' }))).toMatchObject(bad('body', 'body must be a Uint8Array/Buffer or a readable stream, got string'));
    const typeMessage = 'contentType must be a media type like "text/plain; charset=utf-8" (at most 255 characters, no CR/LF or other control characters)';
    for (const contentType of ['text', 'text/plain\r\nx: y', 5, `text/${'a'.repeat(251)}`]) expect(refusal(put({ contentType }))).toMatchObject(bad('contentType', typeMessage));
    expect(put({ contentType: `text/${'a'.repeat(250)}` })).not.toThrow();
    for (const contentLength of [-1, 1.5, '3', Number.MAX_SAFE_INTEGER + 1]) {
      expect(refusal(put({ contentLength })).field).toBe('contentLength');
    }
    expect(refusal(put({ contentLength: -1 })).message).toBe('contentLength must be a non-negative integer, got number -1');
    expect(refusal(put({ metadata: [] }))).toMatchObject(bad('metadata', 'metadata must be an object of strings, got an array'));
    expect(refusal(put({ metadata: null })).field).toBe('metadata');
    expect(refusal(put({ metadata: 'm' })).field).toBe('metadata');
    expect(refusal(put({ metadata: { '': 'v' } }))).toMatchObject(bad('metadata', 'metadata keys must be non-empty and free of control characters'));
    expect(refusal(put({ metadata: { 'a\nb': 'v' } })).field).toBe('metadata');
    expect(refusal(put({ metadata: { a: 1 } }))).toMatchObject(bad('metadata.a', 'metadata "a" must be a string without control characters'));
    expect(refusal(put({ metadata: { a: 'x\ny' } })).field).toBe('metadata.a');
    expect(refusal(put({ ifNoneMatch: 'x' })).field).toBe('ifNoneMatch');
    expect(refusal(() => validateBlobPut({ namespace: 'ns', key: 'abc', body: new Uint8Array(0) } as never, where, { maxKeyBytes: 2 })).field).toBe('key');
  });

  it('user metadata: lower-case names, none under the reserved sanctum- prefix', () => {
    expect(() => assertUserMetadata({ 'a-1': 'x' }, where)).not.toThrow();
    expect(() => assertUserMetadata(undefined, where)).not.toThrow();
    expect(refusal(() => assertUserMetadata({ Upper: 'x' }, where))).toMatchObject(bad('metadata.Upper', 'metadata key "Upper" must be lower-case letters, digits and "-"'));
    expect(refusal(() => assertUserMetadata({ '-a': 'x' }, where)).field).toBe('metadata.-a');
    expect(refusal(() => assertUserMetadata({ 'sanctum-sha256': 'x' }, where))).toMatchObject(
      bad('metadata.sanctum-sha256', 'metadata keys starting with "sanctum-" are reserved for the library'),
    );
    expect(refusal(() => assertUserMetadata([], where)).field).toBe('metadata');
  });

  it('gets: ifMatch and an inclusive integer range', () => {
    const get = (extra: object) => () => validateBlobGet({ namespace: 'ns', key: 'k', ...extra } as never, where);
    for (const range of [{ start: 0 }, { start: 0, end: 0 }, { start: 3, end: 9 }]) expect(get({ range })).not.toThrow();
    const message = 'range needs an integer start ≥ 0 and an optional integer end ≥ start (inclusive)';
    for (const range of [{ start: -1 }, { start: 1.5 }, { start: '0' }, { start: 5, end: 4 }, { start: 0, end: 1.5 }, { start: 0, end: '3' }, null, 7, {}]) {
      expect(refusal(get({ range }))).toMatchObject(bad('range', message));
    }
    expect(refusal(get({ ifMatch: '' })).field).toBe('ifMatch');
    expect(refusal(() => validateBlobGet({ namespace: 'ns', key: 'abc' } as never, where, { maxKeyBytes: 2 })).field).toBe('key');
  });

  it('lists: prefix, page size, delimiter and cursor', () => {
    const list = (extra: object, limits = {}) => () => validateBlobList({ namespace: 'ns', ...extra } as never, where, limits);
    expect(list({ prefix: 'a/', delimiter: '/', cursor: 'c', limit: 5 })()).toEqual({ prefix: 'a/', limit: 5 });
    expect(list({})()).toEqual({ prefix: '', limit: 100 });
    for (const delimiter of ['', 5, '\n']) expect(refusal(list({ delimiter }))).toMatchObject(bad('delimiter', 'delimiter must be a non-empty string without control characters'));
    for (const cursor of ['', 5]) expect(refusal(list({ cursor }))).toMatchObject(bad('cursor', 'cursor must be the non-empty string a previous page returned'));
    expect(refusal(list({ prefix: 'abc' }, { maxKeyBytes: 2 })).field).toBe('prefix');
  });

  it('presign: 1 s to 7 days, GET or PUT', () => {
    const presign = (extra: object, limits = {}) => () => validateBlobPresign({ namespace: 'ns', key: 'k', method: 'GET', expiresInSeconds: 60, ...extra } as never, where, limits);
    expect(MAX_PRESIGN_SECONDS).toBe(7 * 24 * 3600);
    for (const expiresInSeconds of [1, MAX_PRESIGN_SECONDS]) expect(presign({ expiresInSeconds })).not.toThrow();
    for (const expiresInSeconds of [0, MAX_PRESIGN_SECONDS + 1, 1.5, '60']) expect(refusal(presign({ expiresInSeconds })).field).toBe('expiresInSeconds');
    expect(refusal(presign({ expiresInSeconds: 0 })).message).toBe('expiresInSeconds must be an integer from 1 to 604800 (7 days), got number 0');
    expect(presign({ method: 'PUT' })).not.toThrow();
    expect(refusal(presign({ method: 'DELETE' }))).toMatchObject(bad('method', 'method must be GET or PUT, got string'));
    expect(refusal(presign({ key: 'abc' }, { maxKeyBytes: 2 })).field).toBe('key');
  });

  it('deletes: key and ifMatch', () => {
    expect(() => validateBlobDelete({ key: 'k', ifMatch: 'e' }, where)).not.toThrow();
    expect(refusal(() => validateBlobDelete({ key: 'k', ifMatch: '' }, where)).field).toBe('ifMatch');
    expect(refusal(() => validateBlobDelete({ key: 'abc' }, where, { maxKeyBytes: 2 })).field).toBe('key');
  });
});

describe('namespace schemas', () => {
  const schema = (validate: (value: unknown) => unknown) => ({ '~standard': { version: 1 as const, vendor: 'test', validate } }) as never;

  it("returns the schema's output", async () => {
    expect(await conformToSchema(schema((value) => ({ value: { ...(value as object), added: true } })), { a: 1 }, where)).toEqual({ a: 1, added: true });
  });

  it('reports the first issue with its path, and how many more there are', async () => {
    const issues = [
      { message: 'Required', path: ['user', { key: 'name' }, 0] },
      { message: 'Too short', path: ['x'] },
      { message: 'Bad', path: [] },
    ];
    const error = await conformToSchema(schema(() => ({ issues })), {}, where).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: "value does not match the namespace's schema: user.name.0: Required (and 2 more)",
      operation: 'op',
      namespace: 'ns',
      details: {
        field: 'value',
        issues: [
          { path: 'user.name.0', message: 'Required' },
          { path: 'x', message: 'Too short' },
          { path: '(root)', message: 'Bad' },
        ],
      },
    });
  });

  it('one issue without a path is at the root, with no "more"', async () => {
    const error = await conformToSchema(schema(() => ({ issues: [{ message: 'Nope' }] })), 1, where, 'payload').catch((e: unknown) => e);
    expect(error).toMatchObject({ message: "payload does not match the namespace's schema: (root): Nope", details: { field: 'payload' } });
  });

  it('an empty issue list still refuses', async () => {
    const error = await conformToSchema(schema(() => ({ issues: [] })), 1, where).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: "value does not match the namespace's schema: invalid" });
  });

  it('a schema that throws is INVALID_ARGUMENT with the cause', async () => {
    const cause = new Error('schema bug');
    const error = await conformToSchema(
      schema(() => {
        throw cause;
      }),
      1,
      where,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: "value could not be checked: the namespace's schema threw", details: { field: 'value' }, namespace: 'ns' });
    expect((error as Error).cause).toBe(cause);
  });
});
