import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isStorageError } from '../../../src/index.js';
import { validateBlobs } from '../../../src/layers/validate/blob-validate.js';
import {
  assertKey,
  assertUserMetadata,
  decodeListingCursor,
  describeType,
  encodeListingCursor,
  isBlobBody,
  serializeJson,
  validateBlobPut,
  validatePublish,
  validateSubscribe,
} from '../../../src/validation/index.js';

// Edges of the rulebook the older tests left open: anchored patterns, the depth bound of arrays,
// the lone-surrogate fallback, the pre-check of message keys, and the blob layer's own limits.
const where = { operation: 'op', namespace: 'ns' };

function refusal(work: () => unknown): { code: string; message: string; details: unknown } {
  try {
    work();
  } catch (error) {
    if (!isStorageError(error)) throw error;
    return { code: error.code, message: error.message, details: error.details };
  }
  throw new Error('expected a StorageError, but the input was accepted');
}

describe('cursor', () => {
  it('a base64url cursor that is not JSON is refused as not issued here', () => {
    const cursor = Buffer.from('not json', 'utf8').toString('base64url');
    expect(refusal(() => decodeListingCursor(cursor, { namespace: 'ns' }, where))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'cursor is not one this store issued; pass the cursor of the previous page of this same listing',
    });
  });

  it('base64url text that does not re-encode to itself is refused as not issued here', () => {
    // "AB" decodes to one byte, which encodes back as "AA": the spare bits were not zero.
    expect(refusal(() => decodeListingCursor('AB', { namespace: 'ns' }, where)).message).toBe(
      'cursor is not one this store issued; pass the cursor of the previous page of this same listing',
    );
  });

  it('a cursor of a listing without prefix or delimiter reads back', () => {
    const listing = { namespace: 'ns' };
    expect(decodeListingCursor(encodeListingCursor(listing, 'k9'), listing, where)).toBe('k9');
  });
});

describe('blob rules', () => {
  it('metadata names are lower-case through to the end', () => {
    expect(refusal(() => assertUserMetadata({ abC: 'x' }, where))).toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'metadata.abC' } });
    expect(() => assertUserMetadata({ 'ab-9': 'x' }, where)).not.toThrow();
  });

  it('contentType must be a whole media type; spaces before the parameters are allowed', () => {
    const put = (contentType: unknown) => () => validateBlobPut({ key: 'k', body: new Uint8Array(1), contentType } as never, where);
    for (const bad of ['te xt/plain', 'text/plain garbage', new String('text/plain')]) expect(refusal(put(bad)).code).toBe('INVALID_ARGUMENT');
    expect(put('text/plain ; charset=utf-8')).not.toThrow();
    expect(put('text/plain;charset=utf-8')).not.toThrow();
  });

  it('a function carrying stream methods is not a body', () => {
    const fake = Object.assign(() => {}, { pipe: () => {}, on: () => {}, read: () => {} });
    expect(isBlobBody(fake)).toBe(false);
    expect(isBlobBody(Readable.from(['x']))).toBe(true);
  });
});

describe('blob validate layer', () => {
  function layer(config: Record<string, unknown>) {
    const seen: Array<Record<string, unknown>> = [];
    const store = new Proxy(
      {},
      { get: (_t, op: string) => async (request: Record<string, unknown>) => void seen.push({ op, ...request }) },
    ) as never;
    return { seen, blobs: validateBlobs(store, { namespace: 'ns', config } as never) as unknown as Record<string, (r: unknown) => unknown> };
  }

  it("applies the namespace's key limit to every operation", () => {
    const { blobs, seen } = layer({ maxKeyBytes: 8 });
    const long = 'k'.repeat(9);
    const requests: Array<[string, Record<string, unknown>]> = [
      ['put', { key: long, body: new Uint8Array(1) }],
      ['get', { key: long }],
      ['head', { key: long }],
      ['delete', { key: long }],
      ['list', { prefix: long }],
      ['presign', { key: long, method: 'GET', expiresInSeconds: 60 }],
    ];
    for (const [op, request] of requests) {
      expect([op, refusal(() => blobs[op]!({ namespace: 'ns', ...request })).message]).toEqual([op, expect.stringContaining('the limit for this namespace is 8 bytes')]);
    }
    expect(seen).toEqual([]);
  });

  it('without a size bound a stream body reaches the store as it came', async () => {
    const { blobs, seen } = layer({});
    const body = Readable.from(['x']);
    await blobs['put']!({ namespace: 'ns', key: 'k', body });
    expect(seen[0]!['body']).toBe(body);
  });
});

describe('JSON values', () => {
  it('arrays count towards the depth bound like objects', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 130; i++) deep = [deep];
    expect(refusal(() => serializeJson(deep, where)).message).toMatch(/is nested more than 128 levels deep/);
  });

  it('so do objects', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 130; i++) deep = { a: deep };
    expect(refusal(() => serializeJson(deep, where)).message).toMatch(/is nested more than 128 levels deep/);
  });
});

describe('lone surrogates without String.prototype.isWellFormed', () => {
  const proto = String.prototype as { isWellFormed?: unknown };
  const native = proto.isWellFormed;
  afterEach(() => {
    proto.isWellFormed = native;
    vi.resetModules();
  });

  it('the fallback agrees with the native check', async () => {
    const cases = ['\ud800', '\udc00', '\udc00\udc00', '\udbff\udc00', '\ud800\udc00', '\ud800\udfff', '\ud800x', 'a\udbff', '\udbff\ue000', 'ok', ''];
    const expected = cases.map((text) => !(native as (this: string) => boolean).call(text));
    delete proto.isWellFormed;
    vi.resetModules();
    const { hasLoneSurrogate } = await import('../../../src/validation/keys.js');
    expect(cases.map((text) => hasLoneSurrogate(text))).toEqual(expected);
  });
});

describe('stream rules', () => {
  it('a message key with a ".." segment is refused', () => {
    const message = { payload: new Uint8Array(1), key: 'a/../b' };
    expect(refusal(() => validatePublish({ namespace: 'ns', messages: [message] } as never, where))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { field: 'messages[0].key' },
    });
  });

  it('a message key that is not a string is refused, even one that looks like a key when coerced', () => {
    const message = { payload: new Uint8Array(1), key: ['a'] };
    expect(refusal(() => validatePublish({ namespace: 'ns', messages: [message] } as never, where))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'messages[0].key must be a string, got an array',
    });
  });

  it('a start position must be an object, not a function carrying afterId', () => {
    const request = { namespace: 'ns', group: 'g', handler: async () => {}, maxInFlight: 1, maxDeliveries: 1, ackTimeoutMs: 1 };
    expect(() => validateSubscribe({ ...request, from: { afterId: 'x' } } as never, where)).not.toThrow();
    expect(refusal(() => validateSubscribe({ ...request, from: Object.assign(() => {}, { afterId: 'x' }) } as never, where)).details).toEqual({ field: 'from' });
  });
});

describe('error messages', () => {
  it('a prototype-less object is described as an object', () => {
    expect(describeType(Object.create(null))).toBe('an object');
    expect(describeType(Object.create(Object.create(null)))).toBe('an object'); // a prototype without a constructor
    expect(refusal(() => assertKey(Object.create(null), where)).message).toBe('key must be a string, got an object');
  });
});
