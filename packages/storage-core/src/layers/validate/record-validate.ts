import type { RecordNamespaceConfig } from '../../config/index.js';
import type { RecordOperations, RecordStore } from '../../spi/index.js';
import {
  validateRecordDelete,
  validateRecordGet,
  validateRecordKeys,
  validateRecordList,
  validateRecordPut,
  validateRecordPutMany,
  type RecordLimits,
} from '../../validation/index.js';
import type { Layer } from '../layer.js';

/** The core record operations, checked; used for the namespace's store and inside its transactions. */
function validateOperations(store: RecordOperations, limitsOf: (namespace: string) => RecordLimits): RecordOperations {
  return {
    get(request) {
      validateRecordGet(request, { operation: 'records.get', namespace: request.namespace }, limitsOf(request.namespace));
      return store.get(request);
    },
    put(request) {
      // A caller-supplied `serialized` is ignored: the text handed down is always the one made here.
      const serialized = validateRecordPut(request, { operation: 'records.put', namespace: request.namespace }, limitsOf(request.namespace));
      return store.put({ ...request, serialized });
    },
    delete(request) {
      validateRecordDelete(request, { operation: 'records.delete', namespace: request.namespace }, limitsOf(request.namespace));
      return store.delete(request);
    },
    list(request) {
      validateRecordList(request, { operation: 'records.list', namespace: request.namespace }, limitsOf(request.namespace));
      return store.list(request);
    },
  };
}

/**
 * Rejects malformed record requests with INVALID_ARGUMENT / PAYLOAD_TOO_LARGE before any I/O,
 * using core's one rulebook (`validation/`), and hands the value's JSON text down so it is
 * serialized once.
 */
export const validateRecords: Layer<RecordStore, RecordNamespaceConfig> = (store, { namespace, config }) => {
  const limits: RecordLimits = { maxKeyBytes: config.maxKeyBytes, maxValueBytes: config.maxValueBytes, useSerialized: false };
  // Until transactions run through each namespace's own layers, other namespaces get the outer bounds.
  const outer: RecordLimits = { useSerialized: false };
  const limitsOf = (ns: string): RecordLimits => (ns === namespace ? limits : outer);
  const validated: RecordStore = {
    kind: 'record',
    name: store.name,
    capabilities: store.capabilities,
    ...validateOperations(store, limitsOf),
  };
  if (store.getMany) {
    const getMany = store.getMany.bind(store);
    validated.getMany = (request) => {
      validateRecordKeys(request.keys, { operation: 'records.getMany', namespace: request.namespace }, limits);
      return getMany(request);
    };
  }
  if (store.putMany) {
    const putMany = store.putMany.bind(store);
    validated.putMany = (request) => {
      const texts = validateRecordPutMany(request, { operation: 'records.putMany', namespace: request.namespace }, limits);
      return putMany({ ...request, entries: request.entries.map((entry, i) => ({ ...entry, serialized: texts[i]! })) });
    };
  }
  if (store.deleteMany) {
    const deleteMany = store.deleteMany.bind(store);
    validated.deleteMany = (request) => {
      validateRecordKeys(request.keys, { operation: 'records.deleteMany', namespace: request.namespace }, limits);
      return deleteMany(request);
    };
  }
  if (store.transaction) {
    const transaction = store.transaction.bind(store);
    // Transaction operations may address other namespaces; the outer bounds apply to those.
    validated.transaction = (work) => transaction((tx) => work(validateOperations(tx, limitsOf)));
  }
  return validated;
};
