import type { RecordNamespaceConfig } from '../../config/index.js';
import type { RecordStore } from '../../spi/index.js';
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

/**
 * Rejects malformed record requests with INVALID_ARGUMENT / PAYLOAD_TOO_LARGE before any I/O, with
 * core's one rulebook (`validation/`), and hands the value's JSON text down (`serialized`) so it is
 * serialized once. The kernel applies it to the namespace's store and to every transaction's
 * operations on the namespace, so transactions are checked against the same limits.
 */
export const validateRecords: Layer<RecordStore, RecordNamespaceConfig> = (next, { namespace, config }) => {
  // `useSerialized: false`: a caller-supplied `serialized` is ignored; the text handed down is made here.
  const limits: RecordLimits = { maxKeyBytes: config.maxKeyBytes, maxValueBytes: config.maxValueBytes, useSerialized: false };
  const at = (operation: string) => ({ operation, namespace });
  return {
    get(request) {
      validateRecordGet(request, at('records.get'), limits);
      return next.get(request);
    },
    put(request) {
      const serialized = validateRecordPut(request, at('records.put'), limits);
      return next.put({ ...request, serialized });
    },
    delete(request) {
      validateRecordDelete(request, at('records.delete'), limits);
      return next.delete(request);
    },
    list(request) {
      validateRecordList(request, at('records.list'), limits);
      return next.list(request);
    },
    getMany(request) {
      validateRecordKeys(request.keys, at('records.getMany'), limits);
      return next.getMany!(request);
    },
    putMany(request) {
      const texts = validateRecordPutMany(request, at('records.putMany'), limits);
      return next.putMany!({ ...request, entries: request.entries.map((entry, i) => ({ ...entry, serialized: texts[i]! })) });
    },
    deleteMany(request) {
      validateRecordKeys(request.keys, at('records.deleteMany'), limits);
      return next.deleteMany!(request);
    },
  };
};
