import { randomBytes, type KeyObject } from 'node:crypto';
import { prkV2, sharedPrk } from './envelope-format.js';
import type { KeyProvider } from './key-provider.js';

/** The bounds of a data-key cache (`encryption.dataKeyCache`). */
export interface DataKeyCacheLimits {
  /** A cached data key seals new values for at most this long after it was made. */
  readonly maxAgeMs: number;
  /** ... and for at most this many values. */
  readonly maxMessages: number;
}

const DATA_KEY_BYTES = 32;
/** Unwrapped data keys kept for reading, per namespace: the newest, oldest evicted first. */
const OPEN_ENTRIES = 64;

interface SealEntry {
  /** The data key as a KeyObject (v2 derives each value's keys from it; the raw bytes are zeroed). */
  readonly prk: KeyObject;
  readonly wrapped: Uint8Array;
  readonly expiresAt: number;
  uses: number;
}

interface OpenEntry {
  readonly prk: Promise<KeyObject>;
  /** The PRK once unwrapped (reads of a known data key then take no promise hop). */
  resolved: KeyObject | undefined;
  readonly expiresAt: number;
}

/**
 * Reuses one data key for many small values of a namespace (records, messages), within bounds, as
 * the AWS Encryption SDK's caching materials manager does: wrapping and unwrapping a data key is a
 * call to the key provider (a KMS round trip in production), and for a record it cost more than the
 * write itself. ADR-027 (docs/adr) weighs what sharing gives up.
 *
 * A shared data key is wrapped under the namespace alone (`{ namespace, key: '' }`); each value still
 * gets its own message id, so its encryption key (HKDF of the data key and the message id) and its
 * commitment are its own, and its header tag still binds the full context (namespace and key). Only
 * the namespace's own key id is cached: per-subject keys never are, so erasing a subject takes effect
 * at once.
 */
export class DataKeyCache {
  readonly #limits: DataKeyCacheLimits;
  readonly #sealing = new Map<string, SealEntry>();
  readonly #pending = new Map<string, Promise<SealEntry>>();
  readonly #opening = new Map<string, OpenEntry>();

  constructor(limits: DataKeyCacheLimits) {
    this.#limits = limits;
  }

  /**
   * {@link sealKey} without a promise when the cached data key may seal one more value (the common
   * case); `undefined` when the provider must be asked.
   */
  takeSealKey(keyId: string): { readonly prk: KeyObject; readonly wrapped: Uint8Array } | undefined {
    const entry = this.#sealing.get(keyId);
    if (entry === undefined || entry.uses >= this.#limits.maxMessages || performance.now() >= entry.expiresAt) return undefined;
    entry.uses += 1;
    return entry;
  }

  /** A data key (as its PRK) to seal one more value of `namespace` under `keyId`, and its wrapped form. */
  async sealKey(provider: KeyProvider, keyId: string, namespace: string): Promise<{ readonly prk: KeyObject; readonly wrapped: Uint8Array }> {
    for (;;) {
      const fresh = this.takeSealKey(keyId);
      if (fresh !== undefined) return fresh;
      const entry = this.#sealing.get(keyId);
      if (entry !== undefined) this.#retire(keyId, entry);
      // Concurrent misses share one wrap; each then takes a use of the new entry (the loop re-checks
      // the bounds, so a burst larger than maxMessages wraps again).
      let pending = this.#pending.get(keyId);
      if (pending === undefined) {
        pending = this.#wrap(provider, keyId, namespace);
        this.#pending.set(keyId, pending);
      }
      await pending;
    }
  }

  /**
   * The data key (as its PRK for envelope `version`) of a shared envelope, unwrapped once per wrapped
   * key while it is fresh: the key itself once it is known, else a promise of it.
   */
  openKey(provider: KeyProvider, keyId: string, wrapped: Uint8Array, namespace: string, version: 1 | 2 = 2): KeyObject | Promise<KeyObject> {
    const id = `${String(version)}\u0000${keyId}\u0000${Buffer.from(wrapped.buffer, wrapped.byteOffset, wrapped.byteLength).toString('latin1')}`;
    const cached = this.#opening.get(id);
    if (cached !== undefined && performance.now() < cached.expiresAt) return cached.resolved ?? cached.prk;
    if (cached !== undefined) this.#opening.delete(id);
    if (this.#opening.size >= OPEN_ENTRIES) this.#opening.delete(this.#opening.keys().next().value as string);
    // The promise is cached, so concurrent reads of one wrapped key unwrap it once; a failed unwrap
    // is not kept (the next read asks the provider again).
    const prk = Promise.resolve(provider.unwrap(keyId, wrapped, { namespace, key: '' })).then((dataKey) => {
      const extracted = version === 2 ? prkV2(dataKey) : sharedPrk(dataKey);
      dataKey.fill(0);
      return extracted;
    });
    const entry: OpenEntry = { prk, resolved: undefined, expiresAt: performance.now() + this.#limits.maxAgeMs };
    this.#opening.set(id, entry);
    prk.then(
      (key) => {
        entry.resolved = key;
      },
      () => {
        if (this.#opening.get(id) === entry) this.#opening.delete(id);
      },
    );
    return prk;
  }

  async #wrap(provider: KeyProvider, keyId: string, namespace: string): Promise<SealEntry> {
    try {
      const dataKey = randomBytes(DATA_KEY_BYTES);
      let wrapped: Uint8Array;
      try {
        wrapped = await provider.wrap(keyId, dataKey, { namespace, key: '' });
      } catch (error) {
        dataKey.fill(0);
        throw error;
      }
      const entry: SealEntry = { prk: prkV2(dataKey), wrapped, expiresAt: performance.now() + this.#limits.maxAgeMs, uses: 0 };
      dataKey.fill(0);
      this.#sealing.set(keyId, entry);
      return entry;
    } finally {
      this.#pending.delete(keyId);
    }
  }

  #retire(keyId: string, entry: SealEntry): void {
    if (this.#sealing.get(keyId) === entry) this.#sealing.delete(keyId);
  }
}
