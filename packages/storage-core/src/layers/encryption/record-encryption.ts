import { StorageError } from '../../errors/index.js';
import type { RecordNamespaceConfig } from '../../config/index.js';
import type { RecordEntry, RecordStore } from '../../spi/index.js';
import type { JsonValue } from '../../types/index.js';
import { openBytes, sealBytes } from '../../crypto/envelope.js';
import type { Layer } from '../layer.js';
import { namespaceKeys, type NamespaceKeys } from './namespace-keys.js';

/** Prefix of an encrypted record value (a JSON string): `sne1:` + base64 envelope. */
export const RECORD_ENVELOPE_PREFIX = 'sne1:';

/** The stored form of `value`: a JSON string holding the envelope. */
export async function sealRecordValue(keys: NamespaceKeys, namespace: string, key: string, value: JsonValue, serialized?: string): Promise<string> {
  const plaintext = Buffer.from(serialized ?? JSON.stringify(value), 'utf8');
  const keyId = await keys.keyIdFor(key);
  return RECORD_ENVELOPE_PREFIX + (await sealBytes(keys.provider, keyId, { namespace, key }, plaintext, keys.cache)).toString('base64');
}

/** The envelope bytes of a stored value; DECRYPT_FAILED when it is not one. */
export function recordEnvelope(stored: JsonValue, namespace: string): Buffer {
  if (typeof stored !== 'string' || !stored.startsWith(RECORD_ENVELOPE_PREFIX)) {
    throw new StorageError('DECRYPT_FAILED', `a record of encrypted namespace "${namespace}" is not an envelope (written unencrypted, or replaced outside the library)`, {
      namespace,
      details: { reason: 'not an envelope' },
    });
  }
  return Buffer.from(stored.slice(RECORD_ENVELOPE_PREFIX.length), 'base64');
}

/** The plaintext value of a stored envelope. */
export async function openRecordValue(keys: NamespaceKeys, namespace: string, key: string, stored: JsonValue): Promise<JsonValue> {
  const plaintext = await openBytes(keys.provider, recordEnvelope(stored, namespace), { namespace, key }, keys.cache);
  return JSON.parse(plaintext.toString('utf8')) as JsonValue;
}

/**
 * Envelope encryption of record values (docs/encryption.md): each write seals the value under a
 * fresh data key (or the namespace's cached one, `dataKeyCache`) bound to (namespace, key, key id);
 * the adapter stores a JSON string. Keys,
 * versions, ETags and TTLs stay in the clear.
 */
export const encryptRecords: Layer<RecordStore, RecordNamespaceConfig> = (store, ctx) => {
  const config = ctx.config.encryption;
  if (config === undefined) return undefined;
  const { namespace } = ctx;
  const keys = namespaceKeys(namespace, config, ctx.runtime.keys);
  const where = { namespace, adapter: store.name };

  const open = async (entry: RecordEntry | undefined, operation: string): Promise<RecordEntry | undefined> => {
    if (entry === undefined) return undefined;
    try {
      return { ...entry, value: await openRecordValue(keys, namespace, entry.key, entry.value) };
    } catch (error) {
      throw error instanceof StorageError ? error.withContext({ operation, ...where }) : error;
    }
  };
  const seal = async (key: string, value: JsonValue, serialized: string | undefined) => {
    const stored = await sealRecordValue(keys, namespace, key, value, serialized);
    // Base64 needs no JSON escaping, so the serialized form is the string in quotes.
    return { value: stored, serialized: `"${stored}"` };
  };

  return {
    get: async (request) => open(await store.get(request), 'records.get'),
    put: async (request) => store.put({ ...request, ...(await seal(request.key, request.value, request.serialized)) }),
    async list(request) {
      const page = await store.list(request);
      const items = await Promise.all(page.items.map((entry) => open(entry, 'records.list') as Promise<RecordEntry>));
      return { ...page, items };
    },
    async getMany(request) {
      const entries = await store.getMany!(request);
      return Promise.all(entries.map((entry) => open(entry, 'records.getMany')));
    },
    async putMany(request) {
      const entries = await Promise.all(request.entries.map(async (entry) => ({ ...entry, ...(await seal(entry.key, entry.value, entry.serialized)) })));
      return store.putMany!({ ...request, entries });
    },
  };
};
