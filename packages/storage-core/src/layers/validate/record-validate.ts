import { StorageError } from '../../errors/index.js';
import type { RecordNamespaceConfig } from '../../config/index.js';
import type { RecordStore } from '../../spi/index.js';
import type { Layer } from '../layer.js';
import { assertConditions, assertLimit, assertNonNegativeInt, assertValidKey } from './keys.js';

function serializedBytes(value: unknown, where: { operation: string; namespace: string }): number {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new StorageError('INVALID_ARGUMENT', 'value is not JSON-serializable (cycle or BigInt?)', { ...where, cause, details: { field: 'value' } });
  }
  if (text === undefined) {
    throw new StorageError('INVALID_ARGUMENT', 'value must be a JSON value; undefined, functions and symbols cannot be stored', {
      ...where,
      details: { field: 'value' },
    });
  }
  return text.length <= 0x3fffffff ? Buffer.byteLength(text, 'utf8') : Infinity;
}

function assertValue(value: unknown, maxBytes: number, where: { operation: string; namespace: string }): void {
  const bytes = serializedBytes(value, where);
  if (bytes > maxBytes) {
    throw new StorageError('PAYLOAD_TOO_LARGE', `value is ${bytes} bytes serialized; this namespace accepts at most ${maxBytes}`, {
      ...where,
      details: { field: 'value', bytes, maxBytes },
    });
  }
}

/** Rejects malformed record requests with INVALID_ARGUMENT / PAYLOAD_TOO_LARGE before any I/O. */
export const validateRecords: Layer<RecordStore, RecordNamespaceConfig> = (store, { namespace, config }) => {
  const maxKey = config.maxKeyBytes;
  const maxValue = config.maxValueBytes;
  const at = (operation: string) => ({ operation, namespace });
  const validated: RecordStore = {
    kind: 'record',
    name: store.name,
    capabilities: store.capabilities,
    get(request) {
      assertValidKey(request.key, maxKey, at('records.get'));
      return store.get(request);
    },
    put(request) {
      const where = at('records.put');
      assertValidKey(request.key, maxKey, where);
      assertConditions(request, where);
      assertNonNegativeInt(request.ttlMs, where, 'ttlMs');
      assertValue(request.value, maxValue, where);
      return store.put(request);
    },
    delete(request) {
      const where = at('records.delete');
      assertValidKey(request.key, maxKey, where);
      assertConditions(request, where);
      return store.delete(request);
    },
    list(request) {
      const where = at('records.list');
      assertLimit(request.limit, 1000, where);
      if (request.prefix !== undefined && request.prefix !== '') assertValidKey(request.prefix, maxKey, where, 'prefix');
      return store.list(request);
    },
  };
  if (store.getMany) {
    const getMany = store.getMany.bind(store);
    validated.getMany = (request) => {
      const where = at('records.getMany');
      request.keys.forEach((key, i) => assertValidKey(key, maxKey, where, `keys[${i}]`));
      return getMany(request);
    };
  }
  if (store.putMany) {
    const putMany = store.putMany.bind(store);
    validated.putMany = (request) => {
      const where = at('records.putMany');
      for (const entry of request.entries) {
        assertValidKey(entry.key, maxKey, where);
        assertConditions(entry, where);
        assertNonNegativeInt(entry.ttlMs, where, 'ttlMs');
        assertValue(entry.value, maxValue, where);
      }
      return putMany(request);
    };
  }
  if (store.deleteMany) {
    const deleteMany = store.deleteMany.bind(store);
    validated.deleteMany = (request) => {
      const where = at('records.deleteMany');
      request.keys.forEach((key, i) => assertValidKey(key, maxKey, where, `keys[${i}]`));
      return deleteMany(request);
    };
  }
  if (store.transaction) validated.transaction = store.transaction.bind(store);
  return validated;
};
