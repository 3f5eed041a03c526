/**
 * What a data key is bound to. Every field is authenticated: a wrapped key or a ciphertext presented
 * with another context fails with DECRYPT_FAILED.
 */
export interface EncryptionContext {
  /** The logical namespace. */
  readonly namespace: string;
  /** The record key, object key or stream message key ('' when a message has none). */
  readonly key: string;
}

/**
 * Wraps and unwraps data keys with key-encryption keys (KEKs) it holds by id, KMS style: key
 * material never leaves the provider. `context` must be bound as additional authenticated data.
 *
 * Errors: an id the provider does not know (or that was retired or destroyed) → KEY_NOT_FOUND; a
 * wrapped key that does not authenticate under `keyId` and `context` → DECRYPT_FAILED.
 */
export interface KeyProvider {
  /** For errors and logs. */
  readonly name: string;
  wrap(keyId: string, dataKey: Uint8Array, context: EncryptionContext): Promise<Uint8Array>;
  unwrap(keyId: string, wrapped: Uint8Array, context: EncryptionContext): Promise<Uint8Array>;
  /**
   * Makes sure a per-subject KEK exists (creating it when it does not). Needed by namespaces with
   * `encryption.subjectSegment`; a provider without it cannot serve them.
   */
  ensureSubjectKey?(subjectId: string): Promise<string>;
  /** Destroys a subject's KEK for good (crypto-shredding): its data keys can never be unwrapped again. */
  destroySubjectKey?(subjectId: string): Promise<void>;
}
