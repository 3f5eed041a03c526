import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { StorageError } from '../errors/index.js';
import type { EncryptionContext, KeyProvider } from './key-provider.js';
import { pooledRandom } from './envelope-format.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const WRAP_LABEL = Buffer.from('sanctum/wrap/v1\0');

/** Where a local keyring keeps its per-subject keys. Keep it OUT of the data's backups (docs/encryption.md). */
export interface SubjectKeyStore {
  get(subjectId: string): Promise<Uint8Array | undefined>;
  set(subjectId: string, key: Uint8Array): Promise<void>;
  delete(subjectId: string): Promise<void>;
}

/** Options of {@link localKeyring}. */
export interface LocalKeyringOptions {
  /**
   * Key-encryption keys by id, 32 bytes each (AES-256). Pass them from the runtime (a secret
   * manager, an environment variable the app reads); they never belong in the config JSON.
   */
  readonly keys: Readonly<Record<string, Uint8Array>>;
  /** Ids that may unwrap but no longer wrap (kept only until rotation has moved everything away). */
  readonly retired?: readonly string[];
  /** @default an in-memory map (lost at exit: fine for tests, not for production) */
  readonly subjectKeys?: SubjectKeyStore;
}

/** The id under which a subject's KEK is addressed in wrapped keys. */
export function subjectKeyId(subjectId: string): string {
  return `subject:${subjectId}`;
}

function memorySubjectKeys(): SubjectKeyStore {
  const map = new Map<string, Uint8Array>();
  return {
    get: (id) => Promise.resolve(map.get(id)),
    set: (id, key) => {
      map.set(id, key);
      return Promise.resolve();
    },
    delete: (id) => {
      map.delete(id);
      return Promise.resolve();
    },
  };
}

/** A local keyring with runtime control over its keys (rotation tests, operators). */
export interface LocalKeyring extends KeyProvider {
  /** Adds (or replaces) a KEK. */
  addKey(keyId: string, key: Uint8Array): void;
  /** Removes a KEK: data keys wrapped under it fail with KEY_NOT_FOUND from now on. */
  retireKey(keyId: string): void;
}

/**
 * A {@link KeyProvider} holding AES-256 KEKs in process memory. A data key is wrapped with
 * AES-256-GCM under the KEK, a fresh 96-bit IV, and the key id and encryption context as AAD:
 * `iv ‖ ciphertext ‖ tag` (60 bytes for a 32-byte data key).
 */
export function localKeyring(options: LocalKeyringOptions): LocalKeyring {
  const keys = new Map<string, Buffer>();
  const subjects = options.subjectKeys ?? memorySubjectKeys();
  function add(keyId: string, key: Uint8Array): void {
    if (key.byteLength !== KEY_BYTES) {
      throw new StorageError('CONFIG_INVALID', `key "${keyId}" of the local keyring has ${key.byteLength} bytes; AES-256 keys have exactly 32 (e.g. crypto.randomBytes(32))`, {
        details: { field: `keys.${keyId}` },
      });
    }
    keys.set(keyId, Buffer.from(key));
  }
  for (const [id, key] of Object.entries(options.keys)) add(id, key);
  const retired = new Set(options.retired ?? []);

  async function kek(keyId: string): Promise<Buffer> {
    if (keyId.startsWith('subject:')) {
      const key = await subjects.get(keyId.slice('subject:'.length));
      if (key !== undefined) return Buffer.from(key);
    } else {
      const key = keys.get(keyId);
      if (key !== undefined) return key;
    }
    throw new StorageError('KEY_NOT_FOUND', `the keyring has no key "${keyId}" (never added, retired or destroyed)`, { details: { keyId } });
  }

  /** "sanctum/wrap/v1\0" ‖ keyId ‖ "\0" ‖ contextBytes(context), written in one buffer. */
  function aad(keyId: string, context: EncryptionContext): Buffer {
    const id = Buffer.byteLength(keyId, 'utf8');
    const ns = Buffer.byteLength(context.namespace, 'utf8');
    const key = Buffer.byteLength(context.key, 'utf8');
    const out = Buffer.allocUnsafe(WRAP_LABEL.length + id + 1 + 8 + ns + key);
    let at = WRAP_LABEL.copy(out, 0);
    at += out.write(keyId, at, 'utf8');
    out[at++] = 0;
    out.writeUInt32BE(ns, at);
    at += 4 + out.write(context.namespace, at + 4, 'utf8');
    out.writeUInt32BE(key, at);
    out.write(context.key, at + 4, 'utf8');
    return out;
  }

  return {
    name: 'local-keyring',
    async wrap(keyId, dataKey, context) {
      if (retired.has(keyId)) {
        throw new StorageError('KEY_NOT_FOUND', `key "${keyId}" is retired: it unwraps existing data keys but wraps no new ones`, { details: { keyId } });
      }
      const key = await kek(keyId);
      // A random 96-bit IV per wrap (from the shared random pool: each byte is handed out once).
      const iv = pooledRandom(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(keyId, context));
      const sealed = Buffer.allocUnsafe(IV_BYTES + KEY_BYTES + TAG_BYTES);
      iv.copy(sealed, 0);
      cipher.update(dataKey).copy(sealed, IV_BYTES);
      cipher.final();
      cipher.getAuthTag().copy(sealed, IV_BYTES + KEY_BYTES);
      return sealed;
    },
    async unwrap(keyId, wrapped, context) {
      const key = await kek(keyId);
      if (wrapped.byteLength !== IV_BYTES + KEY_BYTES + TAG_BYTES) throw wrapFailed(keyId);
      const bytes = Buffer.from(wrapped.buffer, wrapped.byteOffset, wrapped.byteLength);
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(aad(keyId, context));
      decipher.setAuthTag(bytes.subarray(IV_BYTES + KEY_BYTES));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, IV_BYTES + KEY_BYTES)), decipher.final()]);
      } catch (cause) {
        throw wrapFailed(keyId, cause);
      }
    },
    async ensureSubjectKey(subjectId) {
      if ((await subjects.get(subjectId)) === undefined) await subjects.set(subjectId, randomBytes(KEY_BYTES));
      return subjectKeyId(subjectId);
    },
    async destroySubjectKey(subjectId) {
      const key = await subjects.get(subjectId);
      // Overwrite our copy before dropping it; the store decides what "delete" means for its media.
      if (key !== undefined) key.fill(0);
      await subjects.delete(subjectId);
    },
    addKey(keyId, key) {
      add(keyId, key);
      retired.delete(keyId);
    },
    retireKey(keyId) {
      keys.get(keyId)?.fill(0);
      keys.delete(keyId);
    },
  };
}

function wrapFailed(keyId: string, cause?: unknown): StorageError {
  return new StorageError('DECRYPT_FAILED', `a wrapped data key does not authenticate under key "${keyId}" and its encryption context (tampered, or moved from another key or namespace)`, {
    cause,
    details: { keyId },
  });
}
