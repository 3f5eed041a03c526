import type { BlobNamespaceConfig, RecordNamespaceConfig, StreamNamespaceConfig } from '../config/index.js';
import type { BlobStore, RecordStore, StreamStore } from '../spi/index.js';
import type { Layer } from './layer.js';
import { validateBlobs } from './validate/blob-validate.js';
import { validateRecords } from './validate/record-validate.js';
import { validateStreams } from './validate/stream-validate.js';
import { observeBlobs, observeRecords, observeStreams } from './observe/observe-layers.js';
import { cacheRecords } from './cache/record-cache.js';
import { integrityBlobs } from './integrity/blob-integrity.js';
import { encryptRecords } from './encryption/record-encryption.js';
import { encryptBlobs } from './encryption/blob-encryption.js';
import { encryptStreams } from './encryption/stream-encryption.js';
import { resilientBlobs, resilientRecords, resilientStreams } from './resilience/resilience-layers.js';
import { aclBlobs, aclRecords, aclStreams } from './acl/acl-layers.js';
import { chaosBlobs, chaosRecords, chaosStreams } from './chaos/chaos-layers.js';

/**
 * THE layer order, outermost first (docs/architecture.md, ADR-004). This array is the only place
 * it is written down; every chain is built by walking it, and a unit test pins it.
 */
export const LAYER_SLOTS = ['validate', 'observe', 'acl', 'cache', 'encryption', 'integrity', 'resilience'] as const;

/** A position in the layer order. A user layer runs inside the built-in layer of its slot. */
export type LayerSlot = (typeof LAYER_SLOTS)[number];

/** The store and namespace-config types of each layered kind. */
export interface LayerKinds {
  readonly record: { readonly store: RecordStore; readonly config: RecordNamespaceConfig };
  readonly blob: { readonly store: BlobStore; readonly config: BlobNamespaceConfig };
  readonly stream: { readonly store: StreamStore; readonly config: StreamNamespaceConfig };
}

/** A layer together with the kind of store it wraps and its slot in the order. */
export type SlottedLayer<K extends keyof LayerKinds = keyof LayerKinds> = {
  [Kind in K]: {
    readonly kind: Kind;
    readonly slot: LayerSlot;
    /** For errors and docs; need not be unique. */
    readonly name: string;
    readonly layer: Layer<LayerKinds[Kind]['store'], LayerKinds[Kind]['config']>;
  };
}[K];

/**
 * Identity helper that types a user layer for `runtime.layers`.
 *
 * @example
 * defineLayer({ kind: 'record', slot: 'resilience', name: 'retry-once', layer: (next) => ({
 *   get: (request) => next.get(request).catch(() => next.get(request)),
 * }) });
 */
export function defineLayer<K extends keyof LayerKinds>(layer: SlottedLayer<K>): SlottedLayer<K> {
  return layer;
}

/**
 * The built-in layers, each in its slot. chaos runs
 * inside resilience (same slot, listed after it) so the faults it injects meet the same deadlines,
 * retries and breaker as real ones.
 */
export const BUILT_IN_LAYERS: readonly SlottedLayer[] = [
  { kind: 'record', slot: 'validate', name: 'validate', layer: validateRecords },
  { kind: 'record', slot: 'observe', name: 'observe', layer: observeRecords },
  { kind: 'record', slot: 'acl', name: 'acl', layer: aclRecords },
  { kind: 'record', slot: 'cache', name: 'cache', layer: cacheRecords },
  { kind: 'record', slot: 'encryption', name: 'encryption', layer: encryptRecords },
  { kind: 'blob', slot: 'validate', name: 'validate', layer: validateBlobs },
  { kind: 'blob', slot: 'observe', name: 'observe', layer: observeBlobs },
  { kind: 'blob', slot: 'acl', name: 'acl', layer: aclBlobs },
  { kind: 'blob', slot: 'encryption', name: 'encryption', layer: encryptBlobs },
  { kind: 'blob', slot: 'integrity', name: 'integrity', layer: integrityBlobs },
  { kind: 'stream', slot: 'validate', name: 'validate', layer: validateStreams },
  { kind: 'stream', slot: 'observe', name: 'observe', layer: observeStreams },
  { kind: 'stream', slot: 'acl', name: 'acl', layer: aclStreams },
  { kind: 'stream', slot: 'encryption', name: 'encryption', layer: encryptStreams },
  { kind: 'record', slot: 'resilience', name: 'resilience', layer: resilientRecords },
  { kind: 'record', slot: 'resilience', name: 'chaos', layer: chaosRecords },
  { kind: 'blob', slot: 'resilience', name: 'resilience', layer: resilientBlobs },
  { kind: 'blob', slot: 'resilience', name: 'chaos', layer: chaosBlobs },
  { kind: 'stream', slot: 'resilience', name: 'resilience', layer: resilientStreams },
  { kind: 'stream', slot: 'resilience', name: 'chaos', layer: chaosStreams },
];

/**
 * The layers of one kind, outermost first: slot by slot in LAYER_SLOTS order; within a slot the
 * built-in layer first, then the user's in the order given.
 */
export function layersOf<K extends keyof LayerKinds>(
  kind: K,
  userLayers: readonly SlottedLayer[] = [],
): Array<Layer<LayerKinds[K]['store'], LayerKinds[K]['config']>> {
  const all = [...BUILT_IN_LAYERS, ...userLayers].filter((entry) => entry.kind === kind);
  const ordered: Array<Layer<LayerKinds[K]['store'], LayerKinds[K]['config']>> = [];
  for (const slot of LAYER_SLOTS) {
    for (const entry of all) {
      if (entry.slot === slot) ordered.push(entry.layer as Layer<LayerKinds[K]['store'], LayerKinds[K]['config']>);
    }
  }
  return ordered;
}

/** Record layers, outermost first (built-ins only). */
export const RECORD_LAYERS: ReadonlyArray<Layer<RecordStore, RecordNamespaceConfig>> = layersOf('record');

/** Blob layers, outermost first (built-ins only). */
export const BLOB_LAYERS: ReadonlyArray<Layer<BlobStore, BlobNamespaceConfig>> = layersOf('blob');

/** Stream layers, outermost first (built-ins only). */
export const STREAM_LAYERS: ReadonlyArray<Layer<StreamStore, StreamNamespaceConfig>> = layersOf('stream');
