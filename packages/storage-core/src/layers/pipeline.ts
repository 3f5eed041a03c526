import type { BlobNamespaceConfig, RecordNamespaceConfig, StreamNamespaceConfig } from '../config/index.js';
import type { BlobStore, RecordStore, StreamStore } from '../spi/index.js';
import type { Layer } from './layer.js';
import { validateBlobs } from './validate/blob-validate.js';
import { validateRecords } from './validate/record-validate.js';
import { validateStreams } from './validate/stream-validate.js';
import { observeBlobs, observeRecords, observeStreams } from './observe/observe-layers.js';
import { cacheRecords } from './cache/record-cache.js';
import { integrityBlobs } from './integrity/blob-integrity.js';
import { resilientBlobs, resilientRecords, resilientStreams } from './resilience/resilience-layers.js';
import { chaosBlobs, chaosRecords, chaosStreams } from './chaos/chaos-layers.js';

/*
 * The one documented layer order, outermost first (docs/architecture.md):
 *   validate → observe → acl → cache+consistency → encryption+integrity → resilience → chaos → adapter
 * A new concern is one more entry in these lists; the client does not change. acl and encryption
 * have their slots reserved and arrive with their own issues. chaos sits inside resilience so the
 * faults it injects meet the same deadlines, retries and breaker as real ones.
 */

/** Record layers, outermost first. */
export const RECORD_LAYERS: ReadonlyArray<Layer<RecordStore, RecordNamespaceConfig>> = [validateRecords, observeRecords, cacheRecords, resilientRecords, chaosRecords];

/** Blob layers, outermost first. */
export const BLOB_LAYERS: ReadonlyArray<Layer<BlobStore, BlobNamespaceConfig>> = [validateBlobs, observeBlobs, integrityBlobs, resilientBlobs, chaosBlobs];

/** Stream layers, outermost first. */
export const STREAM_LAYERS: ReadonlyArray<Layer<StreamStore, StreamNamespaceConfig>> = [validateStreams, observeStreams, resilientStreams, chaosStreams];
