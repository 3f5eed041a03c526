import type { CacheEntry, CacheStore } from '../../spi/index.js';
import type { JsonValue } from '../../types/index.js';
import type { EncryptionConfig } from '../../config/index.js';
import type { KeyProvider } from '../../crypto/key-provider.js';
import { openBytes, sealBytes } from '../../crypto/envelope.js';
import { namespaceKeys } from './namespace-keys.js';
import { RECORD_ENVELOPE_PREFIX, recordEnvelope } from './record-encryption.js';

/**
 * The cache of an encrypted record namespace as the cache layer sees it (ADR-020). A shared
 * (remote) cache receives sealed values only: `set` seals the entry's value under a fresh data key
 * bound to (namespace, physical cache key), `get` opens it. A process-local cache is returned as is:
 * it may hold plaintext (docs/encryption.md). The cache layer itself does not change: it sits above
 * encryption and keeps handling plaintext values.
 */
export function sealedCacheFor(cache: CacheStore, namespace: string, config: EncryptionConfig | undefined, provider: KeyProvider | undefined): CacheStore {
  if (config === undefined || !cache.capabilities.shared) return cache;
  const keys = namespaceKeys(namespace, config, provider);
  const prefix = `${namespace}\u0000`;
  // The physical key is `<namespace>\0<record key>`; per-subject keys look at the record key.
  const recordKey = (physical: string) => (physical.startsWith(prefix) ? physical.slice(prefix.length) : physical);
  const context = (physical: string) => ({ namespace, key: `cache\u0000${physical}` });
  const sealed: CacheStore = {
    kind: cache.kind,
    name: cache.name,
    capabilities: cache.capabilities,
    async get(key) {
      const entry = await cache.get(key);
      if (entry === undefined) return undefined;
      const plaintext = await openBytes(keys.provider, recordEnvelope(entry.value as JsonValue, namespace), context(key), keys.cache);
      return { ...entry, value: JSON.parse(plaintext.toString('utf8')) as unknown };
    },
    async set(key, entry: CacheEntry, ttlMs) {
      const keyId = await keys.keyIdFor(recordKey(key));
      const envelope = await sealBytes(keys.provider, keyId, context(key), Buffer.from(JSON.stringify(entry.value)), keys.cache);
      return cache.set(key, { ...entry, value: RECORD_ENVELOPE_PREFIX + envelope.toString('base64') }, ttlMs);
    },
    delete: (keys) => cache.delete(keys),
    clear: () => cache.clear(),
  };
  if (cache.publishInvalidation) sealed.publishInvalidation = cache.publishInvalidation.bind(cache);
  if (cache.onInvalidation) sealed.onInvalidation = cache.onInvalidation.bind(cache);
  return sealed;
}
