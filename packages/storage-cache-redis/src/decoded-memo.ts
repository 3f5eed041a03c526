import { decodeEntry, type StoredEntry } from './codec.js';

/** Largest reply kept for reuse: above it the kept copy would cost more memory than decoding saves. */
export const MEMO_MAX_REPLY_BYTES = 16_384;

/**
 * The last reply and its decoded entry per key, so a read whose reply is byte-for-byte the one
 * before returns that entry instead of decoding it again. Every read still goes to Redis and is
 * answered by what Redis holds now (the bytes are compared in full), so nothing here can be stale;
 * it only saves the decode (msgpack of a 1 KiB value: ~7% of a GET's time at one caller) and the
 * cache layer's freeze of a new object.
 *
 * An entry is handed out again only while its value is frozen (or not an object): the storage
 * client's cache layer freezes every value it returns, so facade readers share one immutable
 * value, while a direct user of the store (the Keyv store) who got a mutable value gets a fresh
 * decode the next time, never an object someone may have changed.
 *
 * Bounded by `maxEntries` keys; when full, the key kept longest is dropped (insertion order: a key
 * whose value changes is kept anew at the end).
 */
export class DecodedMemo {
  readonly #kept = new Map<string, { readonly bytes: Buffer; stored: StoredEntry }>();

  constructor(private readonly maxEntries: number) {}

  /** The entry of `bytes`, read from Redis under `key` (undefined for a tombstone or foreign bytes). */
  decode(key: string, bytes: Buffer): StoredEntry | undefined {
    const kept = this.#kept.get(key);
    if (kept !== undefined && kept.bytes.equals(bytes)) {
      if (reusable(kept.stored)) return kept.stored;
      // The same bytes, but the value handed out last time may have been changed: decode anew.
      kept.stored = decodeEntry(bytes)!;
      return kept.stored;
    }
    const stored = decodeEntry(bytes);
    if (stored === undefined || bytes.length > MEMO_MAX_REPLY_BYTES) {
      if (kept !== undefined) this.#kept.delete(key);
      return stored;
    }
    // A copy: the reply may be a view into the client's larger read buffer, which it would pin.
    if (kept !== undefined) this.#kept.delete(key);
    else if (this.#kept.size >= this.maxEntries) this.#kept.delete(this.#kept.keys().next().value!);
    this.#kept.set(key, { bytes: Buffer.from(bytes), stored });
    return stored;
  }

  /** Forgets everything (the store closed). */
  clear(): void {
    this.#kept.clear();
  }

  get size(): number {
    return this.#kept.size;
  }
}

function reusable(stored: StoredEntry): boolean {
  const value = stored.entry.value;
  return typeof value !== 'object' || value === null || Object.isFrozen(value);
}
