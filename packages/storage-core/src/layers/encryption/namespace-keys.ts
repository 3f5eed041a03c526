import { StorageError } from '../../errors/index.js';
import type { EncryptionConfig } from '../../config/index.js';
import { DataKeyCache } from '../../crypto/data-key-cache.js';
import type { KeyProvider } from '../../crypto/key-provider.js';

/** What an encryption layer needs for one namespace: the provider and how to pick a key id. */
export interface NamespaceKeys {
  readonly provider: KeyProvider;
  /** The namespace's data-key cache (`encryption.dataKeyCache`), for records and messages. */
  readonly cache: DataKeyCache | undefined;
  /** The key id that wraps a new data key of `key` (the namespace's KEK or the subject's). */
  keyIdFor(key: string): Promise<string>;
}

/** The subject id of `key` under `segment`; INVALID_ARGUMENT when the key has no such segment. */
export function subjectOf(key: string, segment: number, namespace: string): string {
  const parts = key.split('/');
  const subject = parts.length > segment + 1 ? parts[segment] : undefined;
  if (subject === undefined || subject === '') {
    throw new StorageError('INVALID_ARGUMENT', `key has no subject: namespace "${namespace}" takes the subject id from "/"-separated segment ${segment} of each key, e.g. "<subjectId>/…"`, {
      namespace,
      details: { field: 'key' },
    });
  }
  return subject;
}

/** Resolves the namespace's key choice; CONFIG_INVALID when the runtime has no (suitable) provider. */
export function namespaceKeys(namespace: string, config: EncryptionConfig, provider: KeyProvider | undefined): NamespaceKeys {
  if (provider === undefined) {
    throw new StorageError('CONFIG_INVALID', `namespace "${namespace}" is encrypted but the runtime has no key provider: pass runtime.keys (e.g. localKeyring({ keys }))`, {
      namespace,
      details: { field: `namespaces.${namespace}.encryption` },
    });
  }
  const segment = config.subjectSegment;
  if (segment === undefined) {
    const keyId = Promise.resolve(config.keyId);
    const cache = config.dataKeyCache === undefined ? undefined : new DataKeyCache(config.dataKeyCache);
    return { provider, cache, keyIdFor: () => keyId };
  }
  const ensure = provider.ensureSubjectKey?.bind(provider);
  if (ensure === undefined) {
    throw new StorageError('CONFIG_INVALID', `namespace "${namespace}" uses per-subject keys (encryption.subjectSegment) but key provider "${provider.name}" cannot create subject keys`, {
      namespace,
      details: { field: `namespaces.${namespace}.encryption.subjectSegment` },
    });
  }
  return { provider, cache: undefined, keyIdFor: (key) => ensure(subjectOf(key, segment, namespace)) };
}
