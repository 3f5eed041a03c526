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
  openHeader,
  plainSizeOf,
  rewrap,
  sealBytes,
  startFramed,
} from '../../../src/crypto/envelope.js';
import { TAG_BYTES, deriveKeys, openFrame, sealFrame } from '../../../src/crypto/envelope-format.js';
import type { KeyProvider } from '../../../src/crypto/key-provider.js';

const kek = randomBytes(32);
const keys = () => localKeyring({ keys: { k1: kek, k2: randomBytes(32) } });
const ctx = { namespace: 'users', key: 't1/u42' };
const FRAME = 1024;

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    return error instanceof StorageError ? error.code : `not a StorageError: ${String(error)}`;
  }
  return 'no error';
}

async function sealStream(provider: ReturnType<typeof keys>, plain: Buffer, chunk = 700) {
  const seal = await startFramed(provider, 'k1', ctx, FRAME);
  const chunks: Buffer[] = [];
  for (let i = 0; i < plain.length; i += chunk) chunks.push(plain.subarray(i, i + chunk));
  const body = await buffer(Readable.from(chunks).pipe(new FrameSealer(seal)));
  return { header: seal.header, body };
}

async function openStream(provider: ReturnType<typeof keys>, header: Buffer, body: Buffer, context = ctx, range?: { start: number; end?: number }) {
  const opened = await openHeader(provider, header, context);
  const plainSize = plainSizeOf(body.length, opened.header.frameSize);
  if (range === undefined) return buffer(Readable.from([body]).pipe(new FrameOpener(opened, fullWindow(plainSize, opened.header.frameSize))));
  const span = frameRange(plainSize, opened.header.frameSize, range.start, range.end);
  return buffer(Readable.from([body.subarray(span.cipherStart, span.cipherEnd + 1)]).pipe(new FrameOpener(opened, span.window)));
}

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
    const fails = async (h: Buffer, b: Buffer, c = ctx) => expect(await codeOf(openStream(provider, h, b, c))).toBe('DECRYPT_FAILED');
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
    // A provider that wraps without any AAD: only the header tag can catch a moved ciphertext.
    const kek = randomBytes(32);
    const careless: KeyProvider = {
      name: 'careless',
      wrap: async (_id, dataKey) => Buffer.from(dataKey).map((b, i) => b ^ kek[i]!),
      unwrap: async (_id, wrapped) => Buffer.from(wrapped).map((b, i) => b ^ kek[i]!),
    };
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
