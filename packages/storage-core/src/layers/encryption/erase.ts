import type { AuditSink } from '../../spi/audit.js';
import type { BlobStore, RecordStore } from '../../spi/index.js';
import type { KeyProvider } from '../../crypto/key-provider.js';
import { StorageError } from '../../errors/index.js';
import { subjectOf } from './namespace-keys.js';

/** Options of `client.eraseSubject(subjectId, options)`. */
export interface EraseSubjectOptions {
  /** Receives one `subject.erased` event (succeeded or failed). */
  readonly audit?: AuditSink;
  /** The principal asking for the erasure, for the audit event. */
  readonly actor?: string;
  readonly signal?: AbortSignal;
}

/** What an erasure did. */
export interface EraseReport {
  readonly subjectId: string;
  readonly recordsDeleted: number;
  readonly blobsDeleted: number;
  /** The namespaces searched (those with `encryption.subjectSegment`). */
  readonly namespaces: readonly string[];
  /** True once the subject's key was destroyed: earlier copies of its ciphertext are unreadable. */
  readonly keyDestroyed: boolean;
}

/** One namespace to erase from: its raw store for listing, and the layered delete (caches purged). */
export interface EraseTarget {
  readonly namespace: string;
  readonly subjectSegment: number;
  readonly records?: { readonly raw: RecordStore; readonly delete: (key: string) => Promise<boolean> };
  readonly blobs?: { readonly raw: BlobStore; readonly delete: (key: string) => Promise<boolean> };
}

async function* keysOf(target: EraseTarget, subjectId: string, signal: AbortSignal | undefined): AsyncGenerator<string> {
  // Segment 0 is a prefix listing; a deeper segment needs a full scan.
  const prefix = target.subjectSegment === 0 ? `${subjectId}/` : undefined;
  let cursor: string | undefined;
  do {
    const request = { namespace: target.namespace, limit: 500, ...(prefix === undefined ? {} : { prefix }), ...(cursor === undefined ? {} : { cursor }), ...(signal ? { signal } : {}) };
    const page = target.records !== undefined ? await target.records.raw.list(request) : await target.blobs!.raw.list(request);
    for (const item of page.items) {
      let subject: string | undefined;
      try {
        subject = subjectOf(item.key, target.subjectSegment, target.namespace);
      } catch {
        subject = undefined;
      }
      if (subject === subjectId) yield item.key;
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
}

/**
 * GDPR erasure: deletes the subject's records and blobs in every namespace with per-subject keys,
 * then destroys the subject's key, also when a delete failed (so whatever is left, and every copy
 * made before, is unreadable). Stream messages are not deleted; their payloads are shredded with the key.
 */
export async function eraseSubject(subjectId: string, targets: readonly EraseTarget[], provider: KeyProvider, options: EraseSubjectOptions = {}): Promise<EraseReport> {
  if (subjectId === '' || subjectId.includes('/')) {
    throw new StorageError('INVALID_ARGUMENT', 'subjectId must be a non-empty key segment (no "/")', { operation: 'keys.eraseSubject', details: { field: 'subjectId' } });
  }
  if (provider.destroySubjectKey === undefined) {
    throw new StorageError('UNSUPPORTED', `key provider "${provider.name}" cannot destroy subject keys`, { operation: 'keys.eraseSubject' });
  }
  let recordsDeleted = 0;
  let blobsDeleted = 0;
  let keyDestroyed = false;
  let failure: unknown;
  try {
    for (const target of targets) {
      for await (const key of keysOf(target, subjectId, options.signal)) {
        options.signal?.throwIfAborted();
        if (target.records !== undefined) recordsDeleted += (await target.records.delete(key)) ? 1 : 0;
        else blobsDeleted += (await target.blobs!.delete(key)) ? 1 : 0;
      }
    }
  } catch (error) {
    failure = error;
  }
  try {
    await provider.destroySubjectKey(subjectId);
    keyDestroyed = true;
  } catch (error) {
    failure ??= error;
  }
  const report: EraseReport = { subjectId, recordsDeleted, blobsDeleted, namespaces: targets.map((t) => t.namespace), keyDestroyed };
  await options.audit?.write({
    type: 'subject.erased',
    time: new Date().toISOString(),
    actor: options.actor,
    action: 'erase',
    resource: { kind: 'subject', key: subjectId },
    outcome: failure === undefined ? 'succeeded' : 'failed',
    details: { recordsDeleted, blobsDeleted, namespaces: [...report.namespaces], keyDestroyed },
  });
  if (failure !== undefined) throw failure;
  return report;
}
