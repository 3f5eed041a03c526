import { describe, expect, it } from 'vitest';
import { isStorageError } from '../../src/index.js';
import { decodeListingCursor, encodeListingCursor, hasLoneSurrogate, serializeJson, validatePublish, validateRecordPut, validateSubscribe } from '../../src/spi/index.js';
import { conformToSchema } from '../../src/validation/index.js';

const where = { operation: 'test', namespace: 'ns', adapter: 'unit' };

function failure(work: () => unknown): { code: string; message: string; details: unknown; adapter: unknown } {
  try {
    work();
  } catch (error) {
    if (!isStorageError(error)) throw error;
    return { code: error.code, message: error.message, details: error.details, adapter: error.adapter };
  }
  throw new Error('expected a StorageError');
}

describe('validation module', () => {
  it('names the exact place a value stops being JSON', () => {
    const refused = failure(() => serializeJson({ a: [{ b: 1 }, { c: new Map() }] }, where));
    expect(refused).toMatchObject({ code: 'INVALID_ARGUMENT', adapter: 'unit', details: { field: 'value' } });
    expect(refused.message).toContain('value.a[1].c is a Map');
    expect(failure(() => serializeJson([1, , 2], where)).message).toContain('value[1] is a hole'); // eslint-disable-line no-sparse-arrays
    expect(failure(() => serializeJson({ s: Symbol('x') }, where)).message).toContain('value.s is symbol');
    expect(failure(() => serializeJson({ ['k\ud800']: 1 }, where)).message).toContain('property name with a lone');
  });

  it('returns the JSON text, bounded in UTF-8 bytes', () => {
    expect(serializeJson({ é: 'ü' }, where)).toBe('{"é":"ü"}');
    expect(serializeJson({ é: 'ü' }, where, { maxBytes: 11 })).toBe('{"é":"ü"}');
    expect(failure(() => serializeJson({ é: 'ü' }, where, { maxBytes: 10 }))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { bytes: 11, maxBytes: 10 } });
    expect(failure(() => serializeJson('x'.repeat(10), where, { maxBytes: 5 }))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { bytes: 12, maxBytes: 5 } });
    // Shared (non-circular) references are data, not cycles.
    const shared = { n: 1 };
    expect(serializeJson({ a: shared, b: shared }, where)).toBe('{"a":{"n":1},"b":{"n":1}}');
    expect(serializeJson(Object.assign(Object.create(null) as object, { a: 1 }), where)).toBe('{"a":1}');
  });

  it('adapters store the text core handed down; core never trusts a caller-supplied one', () => {
    const request = { namespace: 'ns', key: 'k', value: { a: 1 }, serialized: '{"a":1}' };
    expect(validateRecordPut(request, where)).toBe('{"a":1}');
    expect(validateRecordPut({ ...request, serialized: 'forged' }, where, { useSerialized: false })).toBe('{"a":1}');
  });

  it('detects lone surrogates and accepts pairs', () => {
    expect(hasLoneSurrogate('😀')).toBe(false);
    expect(hasLoneSurrogate('a\ud83d')).toBe(true);
    expect(hasLoneSurrogate('\ude00a')).toBe(true);
  });

  it('binds cursors to namespace, prefix and delimiter', () => {
    const listing = { namespace: 'ns', prefix: 'p/', delimiter: '/' };
    const cursor = encodeListingCursor(listing, 'p/last');
    expect(decodeListingCursor(cursor, listing, where)).toBe('p/last');
    for (const [other, why] of [
      [{ ...listing, namespace: 'other' }, 'another namespace'],
      [{ ...listing, prefix: 'q/' }, 'another prefix'],
      [{ ...listing, delimiter: undefined }, 'another prefix or delimiter'],
    ] as const) {
      expect(failure(() => decodeListingCursor(cursor, other, where)).message).toContain(why);
    }
    for (const garbage of ['', '!!', 42, Buffer.from('[1,2]').toString('base64url'), Buffer.from('{').toString('base64url'), `${cursor}A`]) {
      expect(failure(() => decodeListingCursor(garbage, listing, where))).toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'cursor' } });
    }
  });

  it('counts header bytes against the payload limit and allows a 0 ms publish timeout', () => {
    const payload = new Uint8Array(10);
    expect(() => validatePublish({ namespace: 'ns', messages: [{ payload, headers: { a: 'b' } }], timeoutMs: 0 }, where, { maxPayloadBytes: 12 })).not.toThrow();
    expect(failure(() => validatePublish({ namespace: 'ns', messages: [{ payload, headers: { ab: 'c' } }] }, where, { maxPayloadBytes: 12 }))).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      details: { bytes: 13, maxBytes: 12 },
    });
  });

  it('checks start positions and onError of a subscription', () => {
    const base = { namespace: 'ns', group: 'g', handler: async () => undefined, maxInFlight: 1, maxDeliveries: 1, ackTimeoutMs: 1 };
    for (const from of ['earliest', 'latest', { afterId: '1-0' }, { fromTime: new Date(0) }] as const) expect(() => validateSubscribe({ ...base, from }, where)).not.toThrow();
    expect(failure(() => validateSubscribe({ ...base, from: { fromTime: new Date(Number.NaN) } }, where)).details).toEqual({ field: 'from' });
    expect(failure(() => validateSubscribe({ ...base, onError: 'x' as never }, where)).details).toEqual({ field: 'onError' });
  });

  it('turns schema issues into INVALID_ARGUMENT with { path, message } issues, and a throwing schema too', async () => {
    const schema = (validate: (value: unknown) => unknown) => ({ '~standard': { version: 1 as const, vendor: 'test', validate: validate as never } });
    await expect(
      conformToSchema(schema(() => ({ issues: [{ message: 'bad', path: ['a', { key: 0 }] }, { message: 'worse' }] })), 1, where),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { issues: [{ path: 'a.0', message: 'bad' }, { path: '(root)', message: 'worse' }] } });
    await expect(
      conformToSchema(
        schema(() => {
          throw new Error('boom');
        }),
        1,
        where,
      ),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('schema threw') as unknown });
    await expect(conformToSchema(schema(async (value) => ({ value: [value] })), 1, where)).resolves.toEqual([1]);
  });
});
