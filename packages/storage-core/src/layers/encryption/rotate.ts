import { StorageError } from '../../errors/index.js';
import type { AuditSink } from '../../spi/audit.js';
import type { BlobStore, RecordEntry, RecordStore } from '../../spi/index.js';
import type { KeyProvider } from '../../crypto/key-provider.js';
import { rewrap } from '../../crypto/envelope.js';
import { readHeader } from '../../crypto/envelope-format.js';
import { RECORD_ENVELOPE_PREFIX, recordEnvelope } from './record-encryption.js';
import { ENVELOPE_METADATA_KEY } from './blob-encryption.js';

/** Options of `client.rotateKeys(namespace, options)`. */
export interface RotateKeysOptions {
  /** Resume after this point: the `cursor` of a report from an interrupted run. */
  readonly cursor?: string;
  /** Items per page. @default 100 */
  readonly batchSize?: number;
  /** Receives one `key.rotated` event when the run ends (succeeded or failed). */
  readonly audit?: AuditSink;
  /** The principal running the rotation, for the audit event. */
  readonly actor?: string;
  /** Called after every page; persist `cursor` to resume after a crash. */
  readonly onProgress?: (report: RotationReport) => void | Promise<void>;
  readonly signal?: AbortSignal;
}

/** What a rotation run did. */
export interface RotationReport {
  readonly namespace: string;
  /** The key id every data key is wrapped under afterwards (the namespace's `encryption.keyId`). */
  readonly toKeyId: string;
  /** Items looked at. */
  readonly scanned: number;
  /** Items whose data key was re-wrapped (their data was not re-encrypted). */
  readonly rewrapped: number;
  /** Items changed by someone else meanwhile (a newer write already uses the current key). */
  readonly skipped: number;
  /** Key ids found and moved away from; once a run completes they can be retired. */
  readonly fromKeyIds: readonly string[];
  /** Where to resume; `undefined` once the whole namespace is done. */
  readonly cursor: string | undefined;
}

interface Progress {
  scanned: number;
  rewrapped: number;
  skipped: number;
  from: Set<string>;
}

const needsRewrap = (keyId: string, toKeyId: string) => keyId !== toKeyId && !keyId.startsWith('subject:');

/** Whether `store` can replace an envelope header in place (only the new header is sent). */
const canSplice = (store: RecordStore): boolean => store.capabilities.splice === true && store.spliceValue !== undefined;

async function rewrapRecord(store: RecordStore, provider: KeyProvider, namespace: string, entry: RecordEntry, toKeyId: string, progress: Progress, now: number): Promise<void> {
  const envelope = recordEnvelope(entry.value, namespace);
  const header = readHeader(envelope);
  if (!needsRewrap(header.keyId, toKeyId)) return;
  const rewrapped = await rewrap(provider, envelope.subarray(0, header.length), toKeyId, { namespace, key: entry.key });
  try {
    if (canSplice(store)) {
      // Header only: the adapter swaps the first header.length bytes of the decoded value; TTL kept.
      await store.spliceValue!({ namespace, key: entry.key, ifMatch: entry.etag, prefix: RECORD_ENVELOPE_PREFIX, deleteCount: header.length, insert: rewrapped });
    } else {
      // Fallback for adapters without `splice`: the whole value again, with the TTL that is left.
      const ttlMs = entry.expiresAt === undefined ? undefined : entry.expiresAt - now;
      if (ttlMs !== undefined && ttlMs <= 0) return; // expired meanwhile: nothing left to protect
      const value = RECORD_ENVELOPE_PREFIX + Buffer.concat([rewrapped, envelope.subarray(header.length)]).toString('base64');
      await store.put({ namespace, key: entry.key, value, serialized: `"${value}"`, ifMatch: entry.etag, ...(ttlMs === undefined ? {} : { ttlMs }) });
    }
    progress.from.add(header.keyId);
    progress.rewrapped += 1;
  } catch (error) {
    if (!(error instanceof StorageError && (error.code === 'PRECONDITION_FAILED' || error.code === 'NOT_FOUND'))) throw error;
    progress.skipped += 1;
  }
}

async function rewrapBlob(store: BlobStore, provider: KeyProvider, namespace: string, key: string, toKeyId: string, progress: Progress, signal: AbortSignal | undefined): Promise<void> {
  const meta = await store.head({ namespace, key, ...(signal ? { signal } : {}) });
  const encoded = meta?.metadata[ENVELOPE_METADATA_KEY];
  if (meta === undefined || encoded === undefined) return;
  const header = Buffer.from(encoded, 'base64');
  const keyId = readHeader(header).keyId;
  if (!needsRewrap(keyId, toKeyId)) return;
  const rewrapped = await rewrap(provider, header, toKeyId, { namespace, key });
  try {
    await store.replaceMetadata!({
      namespace,
      key,
      metadata: { ...meta.metadata, [ENVELOPE_METADATA_KEY]: rewrapped.toString('base64') },
      ...(meta.contentType === undefined ? {} : { contentType: meta.contentType }),
      ifMatch: meta.etag,
      ...(signal ? { signal } : {}),
    });
    progress.from.add(keyId);
    progress.rewrapped += 1;
  } catch (error) {
    if (!(error instanceof StorageError && (error.code === 'PRECONDITION_FAILED' || error.code === 'NOT_FOUND'))) throw error;
    progress.skipped += 1;
  }
}

/** The store-level part of a rotation: the client resolves the namespace, stores and cache purge. */
export interface RotationTarget {
  readonly namespace: string;
  readonly toKeyId: string;
  readonly provider: KeyProvider;
  readonly now: () => number;
  readonly records?: RecordStore;
  readonly blobs?: BlobStore;
  /** Drops cached entries of re-written records (their version and ETag changed). */
  readonly purge?: (keys: readonly string[]) => Promise<void>;
}

/**
 * Re-wraps every data key of a namespace that is not under `toKeyId`, page by page in key order.
 * Records: the envelope header is replaced by a conditional `spliceValue` (only the new header is
 * sent; the TTL is kept) on adapters with the `splice` capability, else by a conditional put of the
 * whole value (the ciphertext is carried over unchanged, but sent again). Blobs: the header metadata is replaced by a server-side copy (no data bytes move).
 */
export async function rotateNamespace(target: RotationTarget, options: RotateKeysOptions = {}): Promise<RotationReport> {
  const { namespace, toKeyId, provider } = target;
  const limit = options.batchSize ?? 100;
  const progress: Progress = { scanned: 0, rewrapped: 0, skipped: 0, from: new Set() };
  let cursor = options.cursor;
  const report = (): RotationReport => ({ namespace, toKeyId, scanned: progress.scanned, rewrapped: progress.rewrapped, skipped: progress.skipped, fromKeyIds: [...progress.from].sort(), cursor });
  const signal = options.signal;
  if (target.blobs !== undefined && target.blobs.replaceMetadata === undefined) {
    throw new StorageError('UNSUPPORTED', `the adapter of blob namespace "${namespace}" cannot replace metadata in place, which key rotation needs`, { namespace, operation: 'keys.rotate' });
  }
  try {
    do {
      signal?.throwIfAborted();
      const request = { namespace, limit, ...(cursor === undefined ? {} : { cursor }), ...(signal ? { signal } : {}) };
      if (target.records !== undefined) {
        const page = await target.records.list(request);
        progress.scanned += page.items.length;
        const before = progress.rewrapped;
        await Promise.all(page.items.map((entry) => rewrapRecord(target.records!, provider, namespace, entry, toKeyId, progress, target.now())));
        if (progress.rewrapped > before) await target.purge?.(page.items.map((entry) => entry.key));
        cursor = page.cursor;
      } else if (target.blobs !== undefined) {
        const page = await target.blobs.list(request);
        progress.scanned += page.items.length;
        await Promise.all(page.items.map((meta) => rewrapBlob(target.blobs!, provider, namespace, meta.key, toKeyId, progress, signal)));
        cursor = page.cursor;
      }
      await options.onProgress?.(report());
    } while (cursor !== undefined);
  } catch (error) {
    await audit(options, report(), 'failed', error);
    throw error;
  }
  const done = report();
  await audit(options, done, 'succeeded');
  return done;
}

async function audit(options: RotateKeysOptions, report: RotationReport, outcome: 'succeeded' | 'failed', error?: unknown): Promise<void> {
  if (options.audit === undefined) return;
  await options.audit.write({
    type: 'key.rotated',
    time: new Date().toISOString(),
    actor: options.actor,
    action: 'rotate',
    resource: { kind: 'key', namespace: report.namespace },
    outcome,
    details: {
      toKeyId: report.toKeyId,
      fromKeyIds: [...report.fromKeyIds],
      scanned: report.scanned,
      rewrapped: report.rewrapped,
      skipped: report.skipped,
      ...(report.cursor === undefined ? {} : { cursor: report.cursor }),
      ...(error === undefined ? {} : { error: error instanceof StorageError ? error.code : 'INTERNAL' }),
    },
  });
}
