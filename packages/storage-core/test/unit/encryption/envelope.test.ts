import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/errors/index.js';
import { localKeyring } from '../../../src/crypto/local-keyring.js';
import {
  FrameOpener,
  FrameSealer,
  cipherSizeOf,
  envelopeKeyId,
  frameRange,
  fullWindow,
  openBytes,
  openFramedHeader,
  openHeader,
  plainSizeOf,
  rewrap,
  sealBytes,
  startFramed,
} from '../../../src/crypto/envelope.js';
import { TAG_BYTES, deriveKeys, openFrame, readHeader, sealFrame } from '../../../src/crypto/envelope-format.js';
import { DataKeyCache } from '../../../src/crypto/data-key-cache.js';
import type { KeyProvider } from '../../../src/crypto/key-provider.js';
import { failure } from '../../support/scripted-store.js';

const kek = randomBytes(32);
const keys = () => localKeyring({ keys: { k1: kek, k2: randomBytes(32) } });
const ctx = { namespace: 'users', key: 't1/u42' };
const FRAME = 1024;

/** A key provider that wraps with a plain XOR: no AAD, no integrity, key ids ignored. */
function carelessProvider(): KeyProvider {
  const kek = randomBytes(32);
  return {
    name: 'careless',
    wrap: async (_id, dataKey) => Buffer.from(dataKey).map((b, i) => b ^ kek[i]!),
    unwrap: async (_id, wrapped) => Buffer.from(wrapped).map((b, i) => b ^ kek[i]!),
  };
}

/** The code `work` fails with (the test fails when it succeeds or throws something else). */
const codeOf = async (work: Promise<unknown>): Promise<string> => (await failure(work)).code;

async function sealStream(provider: ReturnType<typeof keys>, plain: Buffer, chunk = 700) {
  const seal = await startFramed(provider, 'k1', ctx, FRAME);
  const chunks: Buffer[] = [];
  for (let i = 0; i < plain.length; i += chunk) chunks.push(plain.subarray(i, i + chunk));
  const body = await buffer(Readable.from(chunks).pipe(new FrameSealer(seal)));
  return { header: seal.header, body };
}

/** `bytes` cut into chunks of `size` (the whole of it when `size` is undefined). */
function chunked(bytes: Buffer, size?: number): Buffer[] {
  if (size === undefined) return [bytes];
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

async function openStream(provider: ReturnType<typeof keys>, header: Buffer, body: Buffer, context = ctx, range?: { start: number; end?: number }, chunk?: number) {
  const opened = await openHeader(provider, header, context);
  const plainSize = plainSizeOf(body.length, opened.header.frameSize);
  if (range === undefined) return buffer(Readable.from(chunked(body, chunk)).pipe(new FrameOpener(opened, fullWindow(plainSize, opened.header.frameSize))));
  const span = frameRange(plainSize, opened.header.frameSize, range.start, range.end);
  return buffer(Readable.from(chunked(body.subarray(span.cipherStart, span.cipherEnd + 1), chunk)).pipe(new FrameOpener(opened, span.window)));
}

/** Socket-like chunk sizes: byte by byte, smaller than a frame, a frame ± 1, several frames. */
const CHUNKS = [1, 7, 700, FRAME + TAG_BYTES - 1, FRAME + TAG_BYTES, FRAME + TAG_BYTES + 1, 3 * FRAME + 5, undefined];

describe('single-value envelope (records, messages)', () => {
  it('round-trips and hides the plaintext', async () => {
    const provider = keys();
    const plain = Buffer.from('{"ssn":"MARKER-123-45-6789"}');
    const sealed = await sealBytes(provider, 'k1', ctx, plain);
    expect(sealed.includes(Buffer.from('MARKER'))).toBe(false);
    expect(await openBytes(provider, sealed, ctx)).toEqual(plain);
    expect(envelopeKeyId(sealed)).toBe('k1');
  });

  it('uses a fresh data key per value: the same plaintext seals differently', async () => {
    const provider = keys();
    const a = await sealBytes(provider, 'k1', ctx, Buffer.from('same'));
    const b = await sealBytes(provider, 'k1', ctx, Buffer.from('same'));
    expect(a.equals(b)).toBe(false);
  });

  it('fails with DECRYPT_FAILED for a flipped bit anywhere (header, wrapped key, commitment, tag, body)', async () => {
    const provider = keys();
    const sealed = await sealBytes(provider, 'k1', ctx, Buffer.from('0123456789abcdef'));
    const codes = new Set<string>();
    for (let i = 0; i < sealed.length; i++) {
      const copy = Buffer.from(sealed);
      copy[i]! ^= 0x01;
      const code = await codeOf(openBytes(provider, copy, ctx));
      // Flipping the key id turns it into an unknown key: KEY_NOT_FOUND, which is just as safe.
      codes.add(code);
      expect(['DECRYPT_FAILED', 'KEY_NOT_FOUND']).toContain(code);
    }
    expect(codes.has('DECRYPT_FAILED')).toBe(true);
  });

  it('fails when moved to another key or namespace, or truncated', async () => {
    const provider = keys();
    const sealed = await sealBytes(provider, 'k1', ctx, Buffer.from('payload'));
    expect(await codeOf(openBytes(provider, sealed, { ...ctx, key: 't1/u43' }))).toBe('DECRYPT_FAILED');
    expect(await codeOf(openBytes(provider, sealed, { ...ctx, namespace: 'other' }))).toBe('DECRYPT_FAILED');
    expect(await codeOf(openBytes(provider, sealed.subarray(0, sealed.length - 1), ctx))).toBe('DECRYPT_FAILED');
    expect(await codeOf(openBytes(provider, sealed.subarray(0, 30), ctx))).toBe('DECRYPT_FAILED');
  });

  it('KEY_NOT_FOUND for an unknown or retired key id', async () => {
    const provider = keys();
    expect(await codeOf(sealBytes(provider, 'nope', ctx, Buffer.from('x')))).toBe('KEY_NOT_FOUND');
    const sealed = await sealBytes(provider, 'k1', ctx, Buffer.from('x'));
    provider.retireKey('k1');
    expect(await codeOf(openBytes(provider, sealed, ctx))).toBe('KEY_NOT_FOUND');
  });

  it('key commitment: a header whose commitment was re-computed for another data key does not open', async () => {
    // Replace the wrapped key by one of another envelope (same key id and context): unwrap succeeds
    // with a different data key, and the commitment check refuses it before any frame is tried.
    const provider = keys();
    const a = await sealBytes(provider, 'k1', ctx, Buffer.from('aaaa'));
    const b = await sealBytes(provider, 'k1', ctx, Buffer.from('bbbb'));
    const wrappedAt = 4 + 1 + 16 + 1 + 2 + 2;
    const swapped = Buffer.from(a);
    b.copy(swapped, wrappedAt, wrappedAt, wrappedAt + 60);
    const error = await openBytes(provider, swapped, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('DECRYPT_FAILED');
    expect((error as StorageError).message).toContain('commitment');
  });

  it('rewrap changes only the header: the body bytes stay, the old key is no longer needed', async () => {
    const provider = keys();
    const sealed = await sealBytes(provider, 'k1', ctx, Buffer.from('value'));
    const headerLength = sealed.length - ('value'.length + TAG_BYTES);
    const header = await rewrap(provider, sealed.subarray(0, headerLength), 'k2', ctx);
    const moved = Buffer.concat([header, sealed.subarray(headerLength)]);
    provider.retireKey('k1');
    expect((await openBytes(provider, moved, ctx)).toString()).toBe('value');
    expect(envelopeKeyId(moved)).toBe('k2');
  });
});

describe('v2 single-value format: one AES-GCM call per value (ADR-028)', () => {
  // Offsets in a v2 envelope under key id "k1": magic 0-3, flags 4, message id 5-20, key id length
  // 21, key id 22-23, wrapped length 24-25, wrapped key 26-85, commitment 86-117, then the body.
  const KEY_ID = [22, 24];
  const WRAPPED = [26, 86];
  const COMMITMENT = [86, 118];

  it('writes v2: no header tag, no frame size; the body is ciphertext ‖ tag', async () => {
    const plain = Buffer.from('{"n":1}');
    const sealed = await sealBytes(keys(), 'k1', ctx, plain);
    const header = readHeader(sealed);
    expect(sealed.subarray(0, 4)).toEqual(Buffer.from('SNE\x02', 'latin1'));
    expect(header).toMatchObject({ version: 2, keyId: 'k1', frameSize: 0, shared: false, length: COMMITMENT[1] });
    expect(sealed.length).toBe(header.length + plain.length + TAG_BYTES);
  });

  it('every flipped bit outside the key id is DECRYPT_FAILED (the body AAD covers magic, flags, message id, commitment)', async () => {
    for (const cache of [undefined, new DataKeyCache({ maxAgeMs: 60_000, maxMessages: 100 })]) {
      const provider = keys();
      const sealed = await sealBytes(provider, 'k1', ctx, Buffer.from('0123456789abcdef'), cache);
      for (let bit = 0; bit < sealed.length * 8; bit++) {
        if (bit >> 3 >= KEY_ID[0]! && bit >> 3 < KEY_ID[1]!) continue; // an unknown key id: KEY_NOT_FOUND (tested above)
        const copy = Buffer.from(sealed);
        copy[bit >> 3]! ^= 1 << (bit & 7);
        const reader = cache === undefined ? undefined : new DataKeyCache({ maxAgeMs: 60_000, maxMessages: 100 });
        expect(await codeOf(openBytes(provider, copy, ctx, reader))).toBe('DECRYPT_FAILED');
      }
    }
  });

  it('the body authenticates the header even when the key provider authenticates nothing', async () => {
    // A provider without AAD or integrity: a flipped message id, flag or commitment must still fail,
    // caught by the commitment check or by the body's AAD (not by the unwrap).
    const careless = carelessProvider();
    const sealed = await sealBytes(careless, 'k', ctx, Buffer.from('value'));
    expect((await openBytes(careless, sealed, ctx)).toString()).toBe('value');
    const headerLength = readHeader(sealed).length;
    for (let i = 0; i < headerLength; i++) {
      if (i === 21 || i === 22) continue; // key id length and the 1-byte key id "k": the careless provider ignores ids
      if (i >= 25 && i < 25 + 32) continue; // the 32-byte "wrapped" key: a flip gives another data key (next test)
      const copy = Buffer.from(sealed);
      copy[i]! ^= 0x02;
      expect(await codeOf(openBytes(careless, copy, ctx))).toBe('DECRYPT_FAILED');
    }
    // The shared flag alone: the careless provider unwraps the same data key under either context.
    const flagged = Buffer.from(sealed);
    flagged[4] = 0x02;
    const error = await openBytes(careless, flagged, ctx).catch((e: unknown) => e);
    expect((error as StorageError).code).toBe('DECRYPT_FAILED');
    expect((error as StorageError).message).toContain('does not authenticate');
  });

  it('a commitment recomputed for another data key is refused before the body is tried (careless provider)', async () => {
    const careless = carelessProvider();
    const sealed = await sealBytes(careless, 'k', ctx, Buffer.from('value'));
    const copy = Buffer.from(sealed);
    copy[25]! ^= 0x01; // first byte of the 32-byte "wrapped" key: another data key
    const error = await openBytes(careless, copy, ctx).catch((e: unknown) => e);
    expect((error as StorageError).code).toBe('DECRYPT_FAILED');
    expect((error as StorageError).message).toContain('commitment');
  });

  it('values under one shared data key get their own IV: the same plaintext seals to different ciphertext', async () => {
    const provider = keys();
    const cache = new DataKeyCache({ maxAgeMs: 60_000, maxMessages: 100 });
    const plain = Buffer.from('the same plaintext, twice');
    const [a, b] = [await sealBytes(provider, 'k1', ctx, plain, cache), await sealBytes(provider, 'k1', ctx, plain, cache)];
    expect(readHeader(a).wrapped).toEqual(readHeader(b).wrapped); // one data key
    const bodyOf = (sealed: Buffer) => sealed.subarray(readHeader(sealed).length, sealed.length - TAG_BYTES);
    expect(bodyOf(a).equals(bodyOf(b))).toBe(false);
  });

  it('rewrap cannot launder a tampered header: the result still fails to open', async () => {
    const provider = keys();
    const sealed = await sealBytes(provider, 'k1', ctx, Buffer.from('value'));
    const length = readHeader(sealed).length;
    for (let i = 0; i < length; i++) {
      if ((i >= KEY_ID[0]! && i < KEY_ID[1]!) || (i >= WRAPPED[0]! && i < WRAPPED[1]!)) continue; // checked by unwrap
      const copy = Buffer.from(sealed);
      copy[i]! ^= 0x01;
      let header: Buffer;
      try {
        header = await rewrap(provider, copy.subarray(0, length), 'k2', ctx);
      } catch (error) {
        expect((error as StorageError).code).toBe('DECRYPT_FAILED');
        continue;
      }
      expect(await codeOf(openBytes(provider, Buffer.concat([header, copy.subarray(length)]), ctx))).toBe('DECRYPT_FAILED');
    }
  });

  it('an unknown format version, or a v2 header with the framed flag, is DECRYPT_FAILED', async () => {
    const provider = keys();
    const sealed = await sealBytes(provider, 'k1', ctx, Buffer.from('value'));
    const v3 = Buffer.from(sealed);
    v3[3] = 0x03;
    const framed = Buffer.from(sealed);
    framed[4] = 0x01;
    expect(await codeOf(openBytes(provider, v3, ctx))).toBe('DECRYPT_FAILED');
    expect(() => readHeader(framed)).toThrow(/malformed/);
  });
});

describe('random bytes and the key provider', () => {
  it('a key provider sees only the data key: its buffer holds 32 bytes, nothing of other values', async () => {
    const inner = keys();
    const seen: number[] = [];
    const watching: KeyProvider = {
      name: 'watching',
      wrap: (id, dataKey, context) => {
        seen.push(dataKey.buffer.byteLength);
        return inner.wrap(id, dataKey, context);
      },
      unwrap: (id, wrapped, context) => inner.unwrap(id, wrapped, context),
    };
    for (let i = 0; i < 3; i++) await sealBytes(watching, 'k1', ctx, Buffer.from('x'));
    await startFramed(watching, 'k1', ctx, FRAME);
    expect(seen).toEqual([32, 32, 32, 32]);
  });

  it('message ids never repeat across pool refills', async () => {
    const provider = keys();
    const sealed = await Promise.all(Array.from({ length: 600 }, () => sealBytes(provider, 'k1', ctx, Buffer.from('x'))));
    expect(new Set(sealed.map((b) => readHeader(b).messageId.toString('hex'))).size).toBe(600);
  });
});

describe('a record header is never taken for a blob header', () => {
  it('openFramedHeader refuses a single-value envelope (v2 or v1) with DECRYPT_FAILED', async () => {
    const provider = keys();
    const single = await sealBytes(provider, 'k1', ctx, Buffer.from('value'));
    const error = await openFramedHeader(provider, single, ctx).catch((e: unknown) => e);
    expect((error as StorageError).code).toBe('DECRYPT_FAILED');
    expect((error as StorageError).message).toContain('framed one was expected');
    const { header } = await sealStream(provider, randomBytes(10));
    expect((await openFramedHeader(provider, header, ctx)).header.frameSize).toBe(FRAME);
  });
});

describe('v1 single values written before v2 still open', () => {
  // Sealed by the v1 code (header tag + one last frame) under KEK 0x07 * 32, key id "k1".
  const kekV1 = Buffer.alloc(32, 7);
  const own = Buffer.from(
    'U05FAQBx/r2wr/xIxBZuPVDYFAnZAmsxADze3C9KataltEsNXRc5HYfrTxK1xKSrNt3mfr1jQDTH0t39NA/+v4KIl8zQ1DoxBOfaazF5i2ff+5Te9kIAAAAAh3pqHzVRdJ2qUhZCQ3aUvn8Jp57z9C0Wqsqi3Ad3tyeDmdJbVzk+XvjAAhebUSkC+yyULKKvYtjCOQLD0U8hDGCBZmI0i+iZnsfzRhtCWWo=',
    'base64',
  );
  const shared = Buffer.from(
    'U05FAQJL7p7WhD1PsEIRmyQ5+2TSAmsxADxReSSr4kSZKQHNnUzlOQRYBMRMMbwUUVntfcSgk4UEYv66RVATUtrMvYoHSyiEAwImRriyKHW3BDvsWusAAAAAu5vuXOwzcOIyfsEAdZuYp02EgEemlhcv0oQSx2zcZF+exVKsH/TUKpFerNxSWXjQeHIkDOd+uJ4WAXEmReMMoCin1SwJxPt+b9S3JP+/T9cbyFw=',
    'base64',
  );
  const ring = () => localKeyring({ keys: { k1: kekV1, k2: randomBytes(32) } });
  const reader = () => new DataKeyCache({ maxAgeMs: 60_000, maxMessages: 100 });

  it('opens with and without a data-key cache, and every flipped bit still fails', async () => {
    const provider = ring();
    for (const cache of [undefined, reader()]) {
      expect((await openBytes(provider, own, ctx, cache)).toString()).toBe('{"ssn":"v1-own"}');
      expect((await openBytes(provider, shared, ctx, cache)).toString()).toBe('{"ssn":"v1-shared"}');
    }
    expect(readHeader(own)).toMatchObject({ version: 1, shared: false });
    expect(readHeader(shared)).toMatchObject({ version: 1, shared: true });
    for (const sealed of [own, shared]) {
      expect(await codeOf(openBytes(provider, sealed, { ...ctx, key: 't1/u43' }, reader()))).toBe('DECRYPT_FAILED');
      for (let i = 0; i < sealed.length; i++) {
        if (i >= 22 && i < 24) continue; // key id: KEY_NOT_FOUND
        const copy = Buffer.from(sealed);
        copy[i]! ^= 0x01;
        expect(await codeOf(openBytes(provider, copy, ctx, reader()))).toBe('DECRYPT_FAILED');
      }
    }
  });

  it('rotation re-wraps a v1 value in place (it stays v1) and it opens with the old key retired', async () => {
    const provider = ring();
    for (const sealed of [own, shared]) {
      const length = readHeader(sealed).length;
      const moved = Buffer.concat([await rewrap(provider, sealed.subarray(0, length), 'k2', ctx), sealed.subarray(length)]);
      expect(readHeader(moved)).toMatchObject({ version: 1, keyId: 'k2' });
      provider.retireKey('k1');
      expect((await openBytes(provider, moved, ctx, reader())).toString()).toMatch(/v1-/);
      provider.addKey('k1', kekV1);
    }
  });
});

describe('framed envelope (blobs)', () => {
  for (const size of [0, 1, FRAME - 1, FRAME, FRAME + 1, 5 * FRAME, 5 * FRAME + 123]) {
    it(`round-trips ${size} bytes in constant-size frames`, async () => {
      const provider = keys();
      const plain = randomBytes(size);
      const { header, body } = await sealStream(provider, plain);
      expect(body.length).toBe(cipherSizeOf(size, FRAME));
      expect(plainSizeOf(body.length, FRAME)).toBe(size);
      expect(await openStream(provider, header, body)).toEqual(plain);
    });
  }

  it('the sealer writes the same frames however its input is cut (a frame is never held back once full)', async () => {
    const provider = keys();
    const seal = await startFramed(provider, 'k1', ctx, FRAME);
    for (const size of [0, FRAME - 1, FRAME, 3 * FRAME, 3 * FRAME + 5]) {
      const plain = randomBytes(size);
      const full = Math.floor(size / FRAME);
      const expected = Buffer.concat(
        Array.from({ length: full + 1 }, (_, i) => sealFrame(seal.keys, seal.messageId, i, i === full, plain.subarray(i * FRAME, Math.min((i + 1) * FRAME, size)))),
      );
      for (const chunk of [1, 7, 700, FRAME - 1, FRAME, FRAME + 1, 2 * FRAME, undefined]) {
        const body = await buffer(Readable.from(chunked(plain, chunk)).pipe(new FrameSealer(seal)));
        expect(body.equals(expected), `size ${size}, chunks of ${String(chunk)}`).toBe(true);
      }
    }
  });

  it('the opener opens frames cut into chunks of any size, full and range reads', async () => {
    const provider = keys();
    const plain = randomBytes(5 * FRAME + 123);
    const { header, body } = await sealStream(provider, plain);
    for (const chunk of CHUNKS) {
      expect((await openStream(provider, header, body, ctx, undefined, chunk)).equals(plain), `chunks of ${String(chunk)}`).toBe(true);
      const got = await openStream(provider, header, body, ctx, { start: FRAME - 3, end: 4 * FRAME + 9 }, chunk);
      expect(got.equals(plain.subarray(FRAME - 3, 4 * FRAME + 10)), `range, chunks of ${String(chunk)}`).toBe(true);
    }
  });

  it('a body longer than its frames fails as soon as the excess arrives, not at its end', async () => {
    const provider = keys();
    const plain = randomBytes(2 * FRAME + 10);
    const { header, body } = await sealStream(provider, plain);
    const opened = await openHeader(provider, header, ctx);
    const opener = new FrameOpener(opened, fullWindow(plain.length, FRAME));
    const failed = new Promise<unknown>((resolve) => opener.once('error', resolve));
    opener.resume();
    opener.write(body);
    // More than a frame past the end, and the stream is never ended.
    opener.write(randomBytes(FRAME + TAG_BYTES));
    expect(((await failed) as { code?: string }).code).toBe('DECRYPT_FAILED');
  });

  it('range reads open only the frames they need and cut exactly', async () => {
    const provider = keys();
    const plain = randomBytes(5 * FRAME + 123);
    const { header, body } = await sealStream(provider, plain);
    for (const [start, end] of [[0, 0], [FRAME - 1, FRAME], [3 * FRAME + 5, 4 * FRAME + 9], [5 * FRAME, undefined], [17, 10 * FRAME]] as const) {
      const got = await openStream(provider, header, body, ctx, end === undefined ? { start } : { start, end });
      expect(got).toEqual(plain.subarray(start, end === undefined ? undefined : end + 1));
    }
    const span = frameRange(plain.length, FRAME, 2 * FRAME + 1, 2 * FRAME + 2);
    expect(span.cipherEnd - span.cipherStart + 1).toBe(FRAME + TAG_BYTES);
  });

  it('DECRYPT_FAILED, never wrong plaintext: flipped bit in each frame, swapped, dropped, truncated, moved', async () => {
    const provider = keys();
    const plain = randomBytes(3 * FRAME + 10);
    const { header, body } = await sealStream(provider, plain);
    const sealed = FRAME + TAG_BYTES;
    const fails = async (h: Buffer, b: Buffer, c = ctx) => {
      for (const chunk of CHUNKS) expect(await codeOf(openStream(provider, h, b, c, undefined, chunk))).toBe('DECRYPT_FAILED');
    };
    for (const at of [0, sealed - 1, sealed + 7, 2 * sealed + 100, body.length - 1]) {
      const copy = Buffer.from(body);
      copy[at]! ^= 0x80;
      await fails(header, copy);
    }
    for (let i = 0; i < header.length; i++) {
      if (i >= 22 && i < 24) continue; // key id bytes: KEY_NOT_FOUND, checked in the record tests
      const copy = Buffer.from(header);
      copy[i]! ^= 0x01;
      await fails(copy, body);
    }
    const frames = [0, 1, 2].map((i) => body.subarray(i * sealed, (i + 1) * sealed));
    const last = body.subarray(3 * sealed);
    await fails(header, Buffer.concat([frames[1]!, frames[0]!, frames[2]!, last])); // swapped
    await fails(header, Buffer.concat([frames[0]!, frames[2]!, last])); // dropped middle
    await fails(header, Buffer.concat([frames[0]!, frames[1]!, frames[2]!])); // dropped last: a full frame is not a last one
    await fails(header, body.subarray(0, body.length - 5)); // truncated
    await fails(header, Buffer.concat([body, frames[0]!])); // extended
    await fails(header, body, { namespace: 'users', key: 'other-object' }); // moved to another key
    await fails(header, body, { namespace: 'other-ns', key: ctx.key }); // moved to another namespace
  });
});

describe('defence in depth (each guard on its own)', () => {
  it('the header binds the context even when the key provider ignores it', async () => {
    // A provider that wraps without any AAD: only the envelope (v2: the value's AAD) can catch a moved ciphertext.
    const careless = carelessProvider();
    const sealed = await sealBytes(careless, 'k', ctx, Buffer.from('value'));
    expect((await openBytes(careless, sealed, ctx)).toString()).toBe('value');
    expect(await codeOf(openBytes(careless, sealed, { ...ctx, key: 'other' }))).toBe('DECRYPT_FAILED');
    expect(await codeOf(openBytes(careless, sealed, { ...ctx, namespace: 'other' }))).toBe('DECRYPT_FAILED');
  });

  it('a frame sealed as not-last does not open as the last frame, and the reverse', () => {
    const keys = deriveKeys(randomBytes(32), randomBytes(16));
    const id = randomBytes(16);
    const middle = sealFrame(keys, id, 2, false, Buffer.from('abc'));
    const last = sealFrame(keys, id, 2, true, Buffer.from('abc'));
    expect(openFrame(keys, id, 2, false, middle).toString()).toBe('abc');
    expect(() => openFrame(keys, id, 2, true, middle)).toThrow(/does not authenticate/);
    expect(() => openFrame(keys, id, 2, false, last)).toThrow(/does not authenticate/);
  });
});
