import type { BlobNamespaceConfig, RecordNamespaceConfig, StreamNamespaceConfig } from '../config/index.js';
import type { BlobStore, RecordStore, StreamStore } from '../spi/index.js';
import type { Layer } from './layer.js';
import { validateBlobs } from './validate/blob-validate.js';
import { validateRecords } from './validate/record-validate.js';
import { validateStreams } from './validate/stream-validate.js';
import { observeBlobs, observeRecords, observeStreams } from './observe/observe-layers.js';
import { cacheRecords } from './cache/record-cache.js';
import { integrityBlobs } from './integrity/blob-integrity.js';

/*
 * The one documented layer order, outermost first (docs/architecture.md):
 *   validate → observe → acl → cache+consistency → encryption+integrity → resilience → adapter
 * A new concern is one more entry in these lists; the client does not change. acl, encryption and
 * resilience have their slots reserved and arrive with their own issues.
 */

/** Record layers, outermost first. */
export const RECORD_LAYERS: ReadonlyArray<Layer<RecordStore, RecordNamespaceConfig>> = [validateRecords, observeRecords, cacheRecords];

/** Blob layers, outermost first. */
export const BLOB_LAYERS: ReadonlyArray<Layer<BlobStore, BlobNamespaceConfig>> = [validateBlobs, observeBlobs, integrityBlobs];

/** Stream layers, outermost first. */
export const STREAM_LAYERS: ReadonlyArray<Layer<StreamStore, StreamNamespaceConfig>> = [validateStreams, observeStreams];
