import { createHash, createHmac, createPrivateKey, createPublicKey, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { StorageError } from '../errors/index.js';
import type { JsonValue } from '../types/index.js';

/** The format version written into every entry and tip. */
export const LEDGER_FORMAT = 1;

/** The `prev` of entry 1: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** One ledger entry as stored. `hash` covers every field but `hash`, `sig` and `kid`. */
export interface LedgerEntry<T extends JsonValue = JsonValue> {
  readonly v: number;
  /** The ledger's id: entries of another ledger never verify here, even with the same key. */
  readonly ledger: string;
  /** 1, 2, 3, … without gaps. */
  readonly seq: number;
  /** ISO-8601 time of the append (informational; covered by the hash). */
  readonly time: string;
  /** `hash` of entry `seq - 1`, or {@link GENESIS_HASH} for entry 1. */
  readonly prev: string;
  readonly payload: T;
  /** SHA-256 (hex) of the canonical JSON (RFC 8785) of `{ v, ledger, seq, time, prev, payload }`. */
  readonly hash: string;
  /** Signature of `hash` (base64url) when the ledger has a signing key. */
  readonly sig?: string;
  /** The signing key's id. */
  readonly kid?: string;
}

/** The ledger's newest entry as last recorded: what makes a truncated tail visible. */
export interface LedgerTip {
  readonly v: number;
  readonly ledger: string;
  readonly seq: number;
  readonly hash: string;
  readonly sig?: string;
  readonly kid?: string;
}

/**
 * How entries are signed. HMAC-SHA256 with a shared secret, or Ed25519 (a verifier needs only the
 * public key; appending needs the private key). Without a signer, the chain detects edits that do not
 * recompute the hashes, and a recomputed chain only up to the recorded tip; see docs/ledger.md.
 */
export type LedgerSigning =
  | { readonly algorithm: 'hmac-sha256'; readonly keyId: string; readonly secret: Uint8Array | string }
  | {
      readonly algorithm: 'ed25519';
      readonly keyId: string;
      /** PEM text or a KeyObject; absent for a verify-only ledger (append then fails with UNSUPPORTED). */
      readonly privateKey?: KeyObject | string;
      /** PEM text or a KeyObject; derived from the private key when absent. */
      readonly publicKey?: KeyObject | string;
    };

/** Signs and checks hashes. */
export interface Signer {
  readonly keyId: string;
  readonly canSign: boolean;
  sign(hash: string): string;
  check(hash: string, signature: string): boolean;
}

export function createSigner(signing: LedgerSigning | undefined): Signer | undefined {
  if (signing === undefined) return undefined;
  if (typeof signing.keyId !== 'string' || signing.keyId === '') {
    throw new StorageError('CONFIG_INVALID', 'ledger signing.keyId must be a non-empty string');
  }
  if (signing.algorithm === 'hmac-sha256') {
    const secret = typeof signing.secret === 'string' ? Buffer.from(signing.secret, 'utf8') : Buffer.from(signing.secret);
    if (secret.length < 32) {
      throw new StorageError('CONFIG_INVALID', 'ledger signing.secret must be at least 32 bytes for hmac-sha256; generate one with crypto.randomBytes(32)');
    }
    const mac = (hash: string) => createHmac('sha256', secret).update(hash, 'utf8').digest();
    return {
      keyId: signing.keyId,
      canSign: true,
      sign: (hash) => mac(hash).toString('base64url'),
      check: (hash, signature) => {
        const given = Buffer.from(signature, 'base64url');
        const expected = mac(hash);
        return given.length === expected.length && timingSafeEqual(given, expected);
      },
    };
  }
  if (signing.algorithm === 'ed25519') {
    const privateKey = signing.privateKey === undefined ? undefined : toKey(signing.privateKey, createPrivateKey);
    const publicKey =
      signing.publicKey !== undefined ? toKey(signing.publicKey, createPublicKey) : privateKey === undefined ? undefined : createPublicKey(privateKey);
    if (publicKey === undefined) {
      throw new StorageError('CONFIG_INVALID', 'ledger signing for ed25519 needs privateKey or publicKey (PEM or KeyObject)');
    }
    if (publicKey.asymmetricKeyType !== 'ed25519') {
      throw new StorageError('CONFIG_INVALID', `ledger signing key is ${String(publicKey.asymmetricKeyType)}, expected ed25519`);
    }
    return {
      keyId: signing.keyId,
      canSign: privateKey !== undefined,
      sign: (hash) => {
        if (privateKey === undefined) throw new StorageError('UNSUPPORTED', 'this ledger has only a public key: it can verify but not append');
        return sign(null, Buffer.from(hash, 'hex'), privateKey).toString('base64url');
      },
      check: (hash, signature) => {
        try {
          return verify(null, Buffer.from(hash, 'hex'), publicKey, Buffer.from(signature, 'base64url'));
        } catch {
          return false;
        }
      },
    };
  }
  throw new StorageError('CONFIG_INVALID', `ledger signing.algorithm must be 'hmac-sha256' or 'ed25519'`);
}

function toKey(key: KeyObject | string, parse: (pem: string) => KeyObject): KeyObject {
  return typeof key === 'string' ? parse(key) : key;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function canonical(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new StorageError('INVALID_ARGUMENT', 'ledger payload is not JSON data');
  return text;
}

/** The hash an entry must carry. */
export function entryHash(entry: Pick<LedgerEntry, 'v' | 'ledger' | 'seq' | 'time' | 'prev' | 'payload'>): string {
  return sha256(canonical({ v: entry.v, ledger: entry.ledger, seq: entry.seq, time: entry.time, prev: entry.prev, payload: entry.payload }));
}

/** The hash a tip's signature covers. */
export function tipHash(tip: Pick<LedgerTip, 'v' | 'ledger' | 'seq' | 'hash'>): string {
  return sha256(canonical({ v: tip.v, ledger: tip.ledger, seq: tip.seq, hash: tip.hash, kind: 'tip' }));
}

/** A new entry, hashed and signed. */
export function sealEntry<T extends JsonValue>(ledger: string, seq: number, prev: string, payload: T, time: string, signer: Signer | undefined): LedgerEntry<T> {
  const base = { v: LEDGER_FORMAT, ledger, seq, time, prev, payload };
  const hash = entryHash(base);
  if (signer === undefined) return { ...base, hash };
  return { ...base, hash, sig: signer.sign(hash), kid: signer.keyId };
}

export function sealTip(ledger: string, seq: number, hash: string, signer: Signer | undefined): LedgerTip {
  const base = { v: LEDGER_FORMAT, ledger, seq, hash };
  if (signer === undefined) return base;
  return { ...base, sig: signer.sign(tipHash(base)), kid: signer.keyId };
}

/** Why an entry does not verify on its own (without its neighbours). */
export type EntryProblem = 'missing' | 'malformed' | 'wrong-ledger' | 'out-of-place' | 'hash' | 'signature' | 'link' | 'tip';

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses a stored value into an entry, or undefined when it is not one. */
export function asEntry(value: unknown): LedgerEntry | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entry = value as Record<string, unknown>;
  if (entry['v'] !== LEDGER_FORMAT || typeof entry['ledger'] !== 'string' || !Number.isSafeInteger(entry['seq'])) return undefined;
  if (typeof entry['time'] !== 'string' || typeof entry['prev'] !== 'string' || typeof entry['hash'] !== 'string') return undefined;
  if (!HEX64.test(entry['hash']) || !HEX64.test(entry['prev']) || !('payload' in entry)) return undefined;
  if (entry['sig'] !== undefined && typeof entry['sig'] !== 'string') return undefined;
  return value as LedgerEntry;
}

export function asTip(value: unknown): LedgerTip | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const tip = value as Record<string, unknown>;
  if (tip['v'] !== LEDGER_FORMAT || typeof tip['ledger'] !== 'string' || !Number.isSafeInteger(tip['seq'])) return undefined;
  if (typeof tip['hash'] !== 'string' || !HEX64.test(tip['hash'])) return undefined;
  return value as LedgerTip;
}

/** Checks an entry read at position `seq` on its own: shape, ledger, position, hash, signature. */
export function entryProblem(value: unknown, ledger: string, seq: number, signer: Signer | undefined): EntryProblem | undefined {
  const entry = asEntry(value);
  if (entry === undefined) return 'malformed';
  if (entry.ledger !== ledger) return 'wrong-ledger';
  if (entry.seq !== seq) return 'out-of-place';
  let hash: string;
  try {
    hash = entryHash(entry);
  } catch {
    return 'malformed';
  }
  if (hash !== entry.hash) return 'hash';
  if (signer !== undefined && (entry.sig === undefined || !signer.check(entry.hash, entry.sig))) return 'signature';
  return undefined;
}

/** True when the tip is of this ledger and (with a signer) signed by its key. */
export function tipIsAuthentic(tip: LedgerTip, ledger: string, signer: Signer | undefined): boolean {
  if (tip.ledger !== ledger) return false;
  if (signer === undefined) return true;
  return tip.sig !== undefined && signer.check(tipHash(tip), tip.sig);
}
