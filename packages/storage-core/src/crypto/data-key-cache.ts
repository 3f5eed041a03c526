import { randomBytes, type KeyObject } from 'node:crypto';
import { deriveKeysV2, sharedPrk, type DerivedKeys } from './envelope-format.js';
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

/** What sealing one more value under the cached data key needs. */
export interface SealKey {
  /** The data key's v2 keys (encryption key and commitment), derived once; its raw bytes are zeroed. */
  readonly keys: DerivedKeys;
  readonly wrapped: Uint8Array;
}

interface SealEntry extends SealKey {
  readonly expiresAt: number;
  uses: number;
}

/** An unwrapped data key as an envelope version needs it: v2 its derived keys, v1 its HKDF PRK. */
type OpenMaterial = DerivedKeys | KeyObject;

interface OpenEntry {
  readonly material: Promise<OpenMaterial>;
  /** The material once unwrapped (reads of a known data key then take no promise hop). */
  resolved: OpenMaterial | undefined;
  readonly expiresAt: number;
}

/**
 * Reuses one data key for many small values of a namespace (records, messages), within bounds, as
 * the AWS Encryption SDK's caching materials manager does: wrapping and unwrapping a data key is a
 * call to the key provider (a KMS round trip in production), and for a record it cost more than the
 * write itself. ADR-027 (docs/adr) weighs what sharing gives up.
 *
 * A shared data key is wrapped under the namespace alone (`{ namespace, key: '' }`); each value still
 * gets its own random message id (its GCM IV in v2) and its AAD still binds the full context
 * (namespace and key). The data key's v2 encryption key and commitment are derived once (ADR-028). Only
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
  takeSealKey(keyId: string): SealKey | undefined {
    const entry = this.#sealing.get(keyId);
    if (entry === undefined || entry.uses >= this.#limits.maxMessages || performance.now() >= entry.expiresAt) return undefined;
    entry.uses += 1;
    return entry;
  }

  /** A data key (as its derived keys) to seal one more value of `namespace` under `keyId`, and its wrapped form. */
  async sealKey(provider: KeyProvider, keyId: string, namespace: string): Promise<SealKey> {
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
   * The keys of a shared v2 envelope's data key, unwrapped once per wrapped key while it is fresh:
   * the keys themselves once known, else a promise of them.
   */
  openKeys(provider: KeyProvider, keyId: string, wrapped: Uint8Array, namespace: string): DerivedKeys | Promise<DerivedKeys> {
    return this.#open(2, provider, keyId, wrapped, namespace, deriveKeysV2) as DerivedKeys | Promise<DerivedKeys>;
  }

  /** The HKDF PRK of a shared v1 envelope's data key (values written before v2), cached the same way. */
  openPrkV1(provider: KeyProvider, keyId: string, wrapped: Uint8Array, namespace: string): KeyObject | Promise<KeyObject> {
    return this.#open(1, provider, keyId, wrapped, namespace, sharedPrk) as KeyObject | Promise<KeyObject>;
  }

  #open(version: 1 | 2, provider: KeyProvider, keyId: string, wrapped: Uint8Array, namespace: string, derive: (dataKey: Uint8Array) => OpenMaterial): OpenMaterial | Promise<OpenMaterial> {
    const id = `${String(version)}\u0000${keyId}\u0000${Buffer.from(wrapped.buffer, wrapped.byteOffset, wrapped.byteLength).toString('latin1')}`;
    const cached = this.#opening.get(id);
    if (cached !== undefined && performance.now() < cached.expiresAt) return cached.resolved ?? cached.material;
    if (cached !== undefined) this.#opening.delete(id);
    if (this.#opening.size >= OPEN_ENTRIES) this.#opening.delete(this.#opening.keys().next().value as string);
    // The promise is cached, so concurrent reads of one wrapped key unwrap it once; a failed unwrap
    // is not kept (the next read asks the provider again).
    const material = Promise.resolve(provider.unwrap(keyId, wrapped, { namespace, key: '' })).then((dataKey) => {
      const derived = derive(dataKey);
      dataKey.fill(0);
      return derived;
    });
    const entry: OpenEntry = { material, resolved: undefined, expiresAt: performance.now() + this.#limits.maxAgeMs };
    this.#opening.set(id, entry);
    material.then(
      (known) => {
        entry.resolved = known;
      },
      () => {
        if (this.#opening.get(id) === entry) this.#opening.delete(id);
      },
    );
    return material;
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
      const entry: SealEntry = { keys: deriveKeysV2(dataKey), wrapped, expiresAt: performance.now() + this.#limits.maxAgeMs, uses: 0 };
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
