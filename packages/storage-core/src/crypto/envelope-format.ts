import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { StorageError } from '../errors/index.js';
import type { EncryptionContext } from './key-provider.js';

/*
 * Two envelope layouts (docs/adr/019-envelope-encryption.md, docs/adr/028-one-aead-call-per-record.md).
 *
 * v1 ("SNE" 0x01), framed values (blobs), and single values written before v2 (still opened):
 *
 *   header = "SNE" 0x01 | flags u8 | messageId[16] | keyIdLen u8 | keyId | wrappedLen u16 | wrapped
 *            | frameSize u32 | commitment[32] | headerTag[16]
 *   body   = frame* final-frame ; frame = AES-256-GCM(frameSize bytes) ‖ tag[16]
 *
 * encKey and commitKey come from HKDF-SHA256(dataKey, salt = messageId); for a shared data key, from
 * HKDF-Expand(PRK, info = "sanctum/envelope/v1/shared" ‖ messageId) with PRK = HKDF-Extract(salt =
 * "sanctum/envelope/v1/shared", dataKey), computed once per data key. The commitment (commitKey)
 * is stored and compared on open, so one ciphertext cannot decrypt under two data keys. The header
 * tag is a GCM tag over the header and the encryption context; frame i uses IV = 0^8 ‖ u32(i + 1)
 * and AAD = messageId ‖ kind ‖ u32(i) ‖ u32(plaintext length), kind 'F' or 'L' (last), so a
 * swapped, dropped, repeated or truncated frame fails. A data key is fresh per object/record, unless
 * the namespace caches data keys (flag bit 1, "shared"): then the data key is wrapped under the
 * namespace alone and reused within bounds, while the message id, derived keys, commitment and header
 * tag stay per value (ADR-027).
 *
 * v2 ("SNE" 0x02), single values (records, cache entries, messages): one AES-GCM call per value.
 *
 *   header = "SNE" 0x02 | flags u8 | messageId[16] | keyIdLen u8 | keyId | wrappedLen u16 | wrapped
 *            | commitment[32]
 *   body   = AES-256-GCM(value) ‖ tag[16], IV = messageId[0..12),
 *            AAD = "SNE" 0x02 ‖ flags ‖ messageId ‖ commitment ‖ contextBytes(context)
 *
 * encKey ‖ commitment = HMAC-SHA512(dataKey, "sanctum/envelope/v2" ‖ 0x01) (HKDF-Expand with the
 * data key as PRK), derived once per data key: a shared data key's are computed once, so a value
 * costs one AES-GCM call; values under one shared data key differ by their random 96-bit IV (at most
 * 2^32 values per data key: `maxMessages`, NIST SP 800-38D). The header has no tag of its own: the body's AAD
 * authenticates every header field except the key id and the wrapped key, which the key provider's
 * AEAD authenticates (with the key id and context) and the commitment pins to one data key; leaving
 * them out is what lets rotation re-wrap a data key without touching the body.
 *
 * flags: bit 0 = framed (frameSize > 0; v1 only), bit 1 = shared data key; other bits must be 0.
 */

export const MAGIC = Buffer.from([0x53, 0x4e, 0x45, 0x01]);
/** Magic of a v2 single-value envelope. */
export const MAGIC_V2 = Buffer.from([0x53, 0x4e, 0x45, 0x02]);
export const TAG_BYTES = 16;
const ID_BYTES = 16;
const COMMIT_BYTES = 32;
const DATA_KEY_BYTES = 32;

/** Canonical bytes of an encryption context (length-prefixed, so no two contexts collide). */
export function contextBytes(context: EncryptionContext): Buffer {
  const ns = Buffer.from(context.namespace, 'utf8');
  const key = Buffer.from(context.key, 'utf8');
  const out = Buffer.allocUnsafe(8 + ns.length + key.length);
  out.writeUInt32BE(ns.length, 0);
  ns.copy(out, 4);
  out.writeUInt32BE(key.length, 4 + ns.length);
  key.copy(out, 8 + ns.length);
  return out;
}

/** A parsed header. */
export interface EnvelopeHeader {
  /** 1: header tag of its own (framed values, older single values); 2: single value, one AEAD call. */
  readonly version: 1 | 2;
  readonly messageId: Buffer;
  readonly keyId: string;
  readonly wrapped: Buffer;
  /** Plaintext bytes per frame; 0 for a single-frame (record or message) envelope. */
  readonly frameSize: number;
  /** The data key is a namespace's shared one, wrapped under `{ namespace, key: '' }`. */
  readonly shared: boolean;
  readonly commitment: Buffer;
  /** The header tag (v1); empty in v2, where the body's AAD covers the header. */
  readonly tag: Buffer;
  /** The header's length in bytes, tag included. */
  readonly length: number;
}

/** The keys derived from one data key. */
export interface DerivedKeys {
  readonly encKey: Buffer;
  readonly commitment: Buffer;
}

export function decryptFailed(reason: string, cause?: unknown): StorageError {
  return new StorageError('DECRYPT_FAILED', `ciphertext does not authenticate: ${reason}. It was tampered with, truncated, or moved from another key or namespace`, {
    cause,
    details: { reason },
  });
}

/*
 * Random bytes for small values come from a pool refilled 4 KiB at a time (as node's randomUUID
 * does): one CSPRNG call costs ~2 µs whatever its size, as much as a value's AES-GCM. Each byte is
 * handed out once. A data key is copied out into a buffer of its own (a key provider sees only its
 * own bytes, even through `.buffer`) and its bytes in the pool are zeroed at once.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = 0;

/** `size` fresh random bytes from the pool (a view into it: copy out anything secret, then zero it). */
export function pooledRandom(size: number): Buffer {
  if (poolAt + size > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + size);
  poolAt += size;
  return out;
}

/** A fresh message id (16 random bytes). */
export function freshMessageId(): Buffer {
  return pooledRandom(ID_BYTES);
}

/** A fresh data key and message id. */
export function freshDataKey(): { dataKey: Buffer; messageId: Buffer } {
  const bytes = pooledRandom(DATA_KEY_BYTES + ID_BYTES);
  const dataKey = Buffer.alloc(DATA_KEY_BYTES);
  dataKey.set(bytes.subarray(0, DATA_KEY_BYTES));
  bytes.fill(0, 0, DATA_KEY_BYTES);
  return { dataKey, messageId: bytes.subarray(DATA_KEY_BYTES) };
}

export function deriveKeys(dataKey: Uint8Array, messageId: Uint8Array): DerivedKeys {
  const okm = Buffer.from(hkdfSync('sha256', dataKey, messageId, 'sanctum/envelope/v1', 64));
  return { encKey: okm.subarray(0, 32), commitment: okm.subarray(32) };
}

const SHARED_LABEL = Buffer.from('sanctum/envelope/v1/shared');

/** HKDF-Extract of a shared data key: done once per data key, then expanded per value. */
export function sharedPrk(dataKey: Uint8Array): KeyObject {
  return createSecretKey(createHmac('sha256', SHARED_LABEL).update(dataKey).digest());
}

/**
 * The keys of one value sealed under a shared data key: HKDF-Expand (RFC 5869, two HMAC blocks) of
 * the data key's PRK with the message id in `info`. Half the cost of a full HKDF per value.
 */
export function deriveSharedKeys(prk: KeyObject, messageId: Uint8Array): DerivedKeys {
  const info = Buffer.concat([SHARED_LABEL, messageId]);
  const t1 = createHmac('sha256', prk).update(info).update(Buffer.of(1)).digest();
  const t2 = createHmac('sha256', prk).update(t1).update(info).update(Buffer.of(2)).digest();
  return { encKey: t1, commitment: t2 };
}

const FRAMED = 0x01;
const SHARED = 0x02;

const V2_INFO = Buffer.from('sanctum/envelope/v2\u0001');
const IV_BYTES = 12;

/**
 * The keys of a v2 data key: encKey ‖ commitment = HMAC-SHA512(dataKey, "sanctum/envelope/v2" ‖
 * 0x01), i.e. HKDF-Expand-SHA512 with the data key as PRK (a data key is 32 uniformly random bytes
 * already, so HKDF's Extract step adds nothing: RFC 5869 §3.3), one HMAC block for 64 bytes. The
 * commitment is 256 bits of a PRF keyed by the data key: two data keys with one commitment take
 * ~2^128 work to find. Derived once per data key: a cached one keeps them.
 */
export function deriveKeysV2(dataKey: Uint8Array): DerivedKeys {
  const okm = createHmac('sha512', dataKey).update(V2_INFO).digest();
  return { encKey: okm.subarray(0, 32), commitment: okm.subarray(32, 64) };
}

/** A v2 value's GCM IV: the first 96 bits of its random message id (fresh per value). */
const ivOf = (messageId: Uint8Array) => messageId.subarray(0, IV_BYTES);

function checkKeyId(keyId: string): Buffer {
  const id = Buffer.from(keyId, 'utf8');
  if (id.length > 255) throw new StorageError('CONFIG_INVALID', `key id "${keyId.slice(0, 40)}…" is longer than 255 bytes`, { details: { field: 'encryption.keyId' } });
  return id;
}

/** Writes the fields both header versions share, from `at`: message id, key id, wrapped key. */
function writeKeyFields(out: Buffer, at: number, messageId: Uint8Array, id: Buffer, wrapped: Uint8Array): number {
  out.set(messageId, at);
  at += ID_BYTES;
  out[at++] = id.length;
  at += id.copy(out, at);
  out.writeUInt16BE(wrapped.byteLength, at);
  at += 2;
  out.set(wrapped, at);
  return at + wrapped.byteLength;
}

function writeHeaderV2Into(out: Buffer, messageId: Uint8Array, id: Buffer, wrapped: Uint8Array, commitment: Buffer, shared: boolean): number {
  let at = MAGIC_V2.copy(out, 0);
  out[at++] = shared ? SHARED : 0;
  at = writeKeyFields(out, at, messageId, id, wrapped);
  return at + commitment.copy(out, at);
}

const headerV2Length = (id: Buffer, wrapped: Uint8Array) => 4 + 1 + ID_BYTES + 1 + id.length + 2 + wrapped.byteLength + COMMIT_BYTES;

/** A v2 header (rotation: same message id and commitment, new key id and wrapped key). */
export function writeHeaderV2(messageId: Uint8Array, keyId: string, wrapped: Uint8Array, commitment: Buffer, shared: boolean): Buffer {
  const id = checkKeyId(keyId);
  const out = Buffer.allocUnsafe(headerV2Length(id, wrapped));
  writeHeaderV2Into(out, messageId, id, wrapped, commitment, shared);
  return out;
}

/** The v2 AAD: the header fields rotation never changes, and the encryption context. */
function aadV2(flags: number, messageId: Uint8Array, commitment: Uint8Array, context: EncryptionContext): Buffer {
  const ns = Buffer.byteLength(context.namespace, 'utf8');
  const key = Buffer.byteLength(context.key, 'utf8');
  const out = Buffer.allocUnsafe(4 + 1 + ID_BYTES + COMMIT_BYTES + 8 + ns + key);
  let at = MAGIC_V2.copy(out, 0);
  out[at++] = flags;
  out.set(messageId, at);
  at += ID_BYTES;
  out.set(commitment, at);
  at += COMMIT_BYTES;
  out.writeUInt32BE(ns, at);
  at += 4 + out.write(context.namespace, at + 4, 'utf8');
  out.writeUInt32BE(key, at);
  out.write(context.key, at + 4, 'utf8');
  return out;
}

/** Seals one value as a v2 envelope (header ‖ ciphertext ‖ tag) in a single buffer: one AES-GCM call. */
export function sealSingle(keys: DerivedKeys, messageId: Uint8Array, keyId: string, wrapped: Uint8Array, shared: boolean, context: EncryptionContext, plaintext: Uint8Array): Buffer {
  const id = checkKeyId(keyId);
  const headerLength = headerV2Length(id, wrapped);
  const out = Buffer.allocUnsafe(headerLength + plaintext.byteLength + TAG_BYTES);
  writeHeaderV2Into(out, messageId, id, wrapped, keys.commitment, shared);
  const cipher = createCipheriv('aes-256-gcm', keys.encKey, ivOf(messageId));
  cipher.setAAD(aadV2(shared ? SHARED : 0, messageId, keys.commitment, context));
  const body = cipher.update(plaintext);
  body.copy(out, headerLength);
  cipher.final();
  cipher.getAuthTag().copy(out, headerLength + body.length);
  return out;
}

/**
 * Opens the body of a v2 envelope whose keys passed the commitment check; DECRYPT_FAILED when the
 * body, the flags, the message id, the commitment or the context changed.
 */
export function openSingle(header: EnvelopeHeader, keys: DerivedKeys, bytes: Buffer, context: EncryptionContext): Buffer {
  const sealed = bytes.subarray(header.length);
  if (sealed.length < TAG_BYTES) throw decryptFailed('value shorter than its tag');
  const aad = aadV2(header.shared ? SHARED : 0, header.messageId, header.commitment, context);
  return gcmOpen(keys.encKey, ivOf(header.messageId), aad, sealed, 'value does not authenticate (header, body or encryption context changed)');
}

/** AES-256-GCM decryption of `sealed` (ciphertext ‖ tag, at least a tag long); DECRYPT_FAILED with `failure` when it does not authenticate. */
function gcmOpen(key: Buffer, iv: Uint8Array, aad: Uint8Array, sealed: Buffer, failure: string): Buffer {
  const length = sealed.length - TAG_BYTES;
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(length));
  try {
    const out = decipher.update(sealed.subarray(0, length));
    decipher.final();
    return out;
  } catch (cause) {
    throw decryptFailed(failure, cause);
  }
}

function headerBody(messageId: Buffer, keyId: string, wrapped: Uint8Array, frameSize: number, commitment: Buffer, shared: boolean): Buffer {
  const id = checkKeyId(keyId);
  const out = Buffer.allocUnsafe(4 + 1 + ID_BYTES + 1 + id.length + 2 + wrapped.byteLength + 4 + COMMIT_BYTES);
  let at = MAGIC.copy(out, 0);
  out[at++] = (frameSize > 0 ? FRAMED : 0) | (shared ? SHARED : 0);
  at = writeKeyFields(out, at, messageId, id, wrapped);
  out.writeUInt32BE(frameSize, at);
  at += 4;
  commitment.copy(out, at);
  return out;
}

function headerTag(encKey: Buffer, body: Buffer, context: EncryptionContext): Buffer {
  const cipher = createCipheriv('aes-256-gcm', encKey, Buffer.alloc(12));
  cipher.setAAD(Buffer.concat([body, contextBytes(context)]));
  cipher.final();
  return cipher.getAuthTag();
}

/** Serializes a header (with its tag) for `context`. */
export function writeHeader(keys: DerivedKeys, messageId: Buffer, keyId: string, wrapped: Uint8Array, frameSize: number, context: EncryptionContext, shared = false): Buffer {
  const body = headerBody(messageId, keyId, wrapped, frameSize, keys.commitment, shared);
  return Buffer.concat([body, headerTag(keys.encKey, body, context)]);
}

/** Parses a header at the start of `bytes`; DECRYPT_FAILED when it is malformed. */
export function readHeader(bytes: Buffer): EnvelopeHeader {
  const fail = () => decryptFailed('malformed envelope header');
  if (bytes.length < 4 + 1 + ID_BYTES + 1 || bytes[0] !== 0x53 || bytes[1] !== 0x4e || bytes[2] !== 0x45) throw fail();
  const version = bytes[3];
  if (version !== 0x01 && version !== 0x02) throw fail();
  let at = 4;
  const flags = bytes[at++]!;
  const messageId = bytes.subarray(at, at + ID_BYTES);
  at += ID_BYTES;
  const idLength = bytes[at++]!;
  if (bytes.length < at + idLength + 2) throw fail();
  const keyId = bytes.toString('utf8', at, at + idLength);
  at += idLength;
  const wrappedLength = bytes.readUInt16BE(at);
  at += 2;
  if (version === 0x02) {
    if (bytes.length < at + wrappedLength + COMMIT_BYTES || (flags & ~SHARED) !== 0) throw fail();
    const wrapped = bytes.subarray(at, at + wrappedLength);
    at += wrappedLength;
    const commitment = bytes.subarray(at, at + COMMIT_BYTES);
    at += COMMIT_BYTES;
    return { version: 2, messageId, keyId, wrapped, frameSize: 0, shared: (flags & SHARED) !== 0, commitment, tag: bytes.subarray(at, at), length: at };
  }
  if (bytes.length < at + wrappedLength + 4 + COMMIT_BYTES + TAG_BYTES) throw fail();
  const wrapped = bytes.subarray(at, at + wrappedLength);
  at += wrappedLength;
  const frameSize = bytes.readUInt32BE(at);
  at += 4;
  if (((flags & FRAMED) !== 0) !== frameSize > 0 || (flags & ~(FRAMED | SHARED)) !== 0) throw fail();
  const commitment = bytes.subarray(at, at + COMMIT_BYTES);
  at += COMMIT_BYTES;
  const tag = bytes.subarray(at, at + TAG_BYTES);
  at += TAG_BYTES;
  return { version: 1, messageId, keyId, wrapped, frameSize, shared: (flags & SHARED) !== 0, commitment, tag, length: at };
}

/**
 * Checks key commitment and (v1) the header tag; returns the derived keys. DECRYPT_FAILED otherwise.
 * A v2 header has no tag: its fields are authenticated when the body opens (openSingle).
 */
export function verifyHeader(header: EnvelopeHeader, bytes: Buffer, dataKey: Uint8Array, context: EncryptionContext): DerivedKeys {
  if (header.version === 2) return checkCommitment(header, deriveKeysV2(dataKey));
  const keys = header.shared ? deriveSharedKeys(sharedPrk(dataKey), header.messageId) : deriveKeys(dataKey, header.messageId);
  return checkHeader(header, bytes, keys, context);
}

/** Key commitment: the keys derived from the unwrapped data key must carry the stored commitment. */
export function checkCommitment(header: EnvelopeHeader, keys: DerivedKeys): DerivedKeys {
  if (!timingSafeEqual(keys.commitment, header.commitment)) throw decryptFailed('key commitment does not match the data key');
  return keys;
}

/** {@link verifyHeader} of a v1 header with the value's keys already derived (a shared data key's cached PRK). */
export function checkHeader(header: EnvelopeHeader, bytes: Buffer, keys: DerivedKeys, context: EncryptionContext): DerivedKeys {
  checkCommitment(header, keys);
  const expected = headerTag(keys.encKey, bytes.subarray(0, header.length - TAG_BYTES), context);
  if (!timingSafeEqual(expected, header.tag)) throw decryptFailed('header tag does not match (header or encryption context changed)');
  return keys;
}

function frameIv(index: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(index + 1, 8);
  return iv;
}

function frameAad(messageId: Buffer, index: number, last: boolean, length: number): Buffer {
  const aad = Buffer.allocUnsafe(ID_BYTES + 9);
  messageId.copy(aad, 0);
  aad[ID_BYTES] = last ? 0x4c : 0x46;
  aad.writeUInt32BE(index, ID_BYTES + 1);
  aad.writeUInt32BE(length, ID_BYTES + 5);
  return aad;
}

/** Encrypts frame `index`; returns its ciphertext and its tag, as the cipher produced them (no copy). */
export function sealFrameParts(keys: DerivedKeys, messageId: Buffer, index: number, last: boolean, plaintext: Uint8Array): [Buffer, Buffer] {
  if (index >= 0xffffffff) throw new StorageError('PAYLOAD_TOO_LARGE', 'an encrypted object has at most 2^32-1 frames', {});
  const cipher = createCipheriv('aes-256-gcm', keys.encKey, frameIv(index));
  cipher.setAAD(frameAad(messageId, index, last, plaintext.byteLength));
  const body = cipher.update(plaintext);
  cipher.final();
  return [body, cipher.getAuthTag()];
}

/** Encrypts frame `index`; returns ciphertext ‖ tag in one buffer. */
export function sealFrame(keys: DerivedKeys, messageId: Buffer, index: number, last: boolean, plaintext: Uint8Array): Buffer {
  const [body, tag] = sealFrameParts(keys, messageId, index, last, plaintext);
  return Buffer.concat([body, tag], body.length + TAG_BYTES);
}

/** Decrypts frame `index` (ciphertext ‖ tag); DECRYPT_FAILED when it does not authenticate. */
export function openFrame(keys: DerivedKeys, messageId: Buffer, index: number, last: boolean, sealed: Buffer): Buffer {
  if (sealed.length < TAG_BYTES) throw decryptFailed('frame shorter than its tag');
  return gcmOpen(keys.encKey, frameIv(index), frameAad(messageId, index, last, sealed.length - TAG_BYTES), sealed, `frame ${index} does not authenticate`);
}

/** Recomputes the tag of a header whose wrapped key changed (rotation: the data key is the same). */
export function rewrapHeader(header: EnvelopeHeader, keys: DerivedKeys, keyId: string, wrapped: Uint8Array, context: EncryptionContext): Buffer {
  if (header.version === 2) return writeHeaderV2(header.messageId, keyId, wrapped, keys.commitment, header.shared);
  return writeHeader(keys, header.messageId, keyId, wrapped, header.frameSize, context, header.shared);
}

/**
 * Seals a blob's user metadata with the object's keys. Its IV space (first byte 1) and AAD kind
 * ('M') differ from every frame's, so it cannot be swapped with a frame.
 */
export function sealMetadata(keys: DerivedKeys, messageId: Buffer, plaintext: Uint8Array): Buffer {
  const iv = Buffer.alloc(12);
  iv[0] = 1;
  const cipher = createCipheriv('aes-256-gcm', keys.encKey, iv);
  cipher.setAAD(Buffer.concat([messageId, Buffer.from('M')]));
  const body = cipher.update(plaintext);
  cipher.final();
  return Buffer.concat([body, cipher.getAuthTag()]);
}

/** Opens what {@link sealMetadata} sealed; DECRYPT_FAILED when it does not authenticate. */
export function openMetadata(keys: DerivedKeys, messageId: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < TAG_BYTES) throw decryptFailed('sealed metadata shorter than its tag');
  const iv = Buffer.alloc(12);
  iv[0] = 1;
  const decipher = createDecipheriv('aes-256-gcm', keys.encKey, iv);
  decipher.setAAD(Buffer.concat([messageId, Buffer.from('M')]));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    const out = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
    decipher.final();
    return out;
  } catch (cause) {
    throw decryptFailed('sealed metadata does not authenticate', cause);
  }
}
