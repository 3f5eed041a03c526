// Everything this adapter takes from core, in one place. An adapter author imports these from
// `@sanctum/storage-core/spi` (the entry for adapter authors, see the guide); core releases before
// that entry existed exported them from the root, which is what this file points at until the
// repository's core has the `/spi` entry. Changing the one specifier below is the whole switch.
export {
  StorageError,
  isStorageError,
  defineAdapter,
  decodeListingCursor,
  encodeListingCursor,
  validateRecordDelete,
  validateRecordGet,
  validateRecordKeys,
  validateRecordList,
  validateRecordPut,
  validateRecordPutMany,
} from '@sanctum/storage-core';
export type {
  AdapterFactory,
  HealthReport,
  JsonValue,
  Page,
  RecordCapabilities,
  RecordDeleteManyRequest,
  RecordDeleteRequest,
  RecordEntry,
  RecordGetManyRequest,
  RecordGetRequest,
  RecordListRequest,
  RecordOperations,
  RecordPutManyRequest,
  RecordPutRequest,
  RecordStore,
  RecordWriteResult,
  StandardSchemaV1,
  StorageErrorCode,
  WriteConditions,
} from '@sanctum/storage-core';
