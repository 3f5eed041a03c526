// The one rulebook for input, shared by core's validate layers and by adapters that re-check.
export type { Where } from './where.js';
export { invalidArgument, payloadTooLarge, describeType } from './where.js';
export { MAX_KEY_BYTES, MAX_BATCH, hasLoneSurrogate, assertKey, prefixOf, assertKeyList } from './keys.js';
export { MAX_JSON_DEPTH, serializeJson } from './json-value.js';
export { MAX_TIMER_MS, MAX_TTL_MS, MAX_PAGE_LIMIT, assertIntegerIn, pageLimitOf, assertTtl, assertTimerMs } from './numbers.js';
export { assertConditions, assertReadPreferences, assertUniqueEntryKeys } from './records.js';
export type { RecordLimits } from './record-requests.js';
export {
  validateRecordGet,
  validateRecordPut,
  validateRecordDelete,
  validateRecordList,
  validateRecordKeys,
  validateRecordPutMany,
  validateRecordSplice,
  MAX_SPLICE_BYTES,
} from './record-requests.js';
export type { Listing } from './cursor.js';
export { encodeListingCursor, decodeListingCursor } from './cursor.js';
export { MAX_IN_FLIGHT, MAX_DELIVERIES, MAX_MESSAGE_KEY_BYTES, encodeJsonPayload, validatePublish, validateSubscribe } from './streams.js';
export { MAX_PRESIGN_SECONDS, isBlobBody, assertUserMetadata, validateBlobPut, validateBlobGet, validateBlobDelete, validateBlobList, validateBlobPresign } from './blobs.js';
export { conformToSchema } from './schema.js';
