import type { Readable } from 'node:stream';
import { StorageError, isStorageError } from '../errors/index.js';
import type { BlobStore } from '../spi/blob-store.js';
import type { RecordStore } from '../spi/record-store.js';
import type { JsonValue } from '../types/index.js';

/** The key of entry `seq`: zero-padded so that keys sort in sequence order. */
export function entryKey(seq: number): string {
  return `e/${String(seq).padStart(12, '0')}`;
}

export const TIP_KEY = 'tip';

/** A tip as read, with what a conditional replace needs. */
export interface StoredTip {
  readonly value: unknown;
  readonly etag: string;
}

/**
 * Where a ledger keeps its entries: one item per sequence number, plus a tip item. Implemented over
 * the record SPI and the blob SPI; values are returned as parsed JSON (or `undefined` when absent),
 * never trusted: the ledger verifies everything it reads.
 */
export interface LedgerBackend {
  readonly description: string;
  /** Values of entries `seqs`, in the same order; `undefined` where absent. */
  readMany(seqs: readonly number[], signal?: AbortSignal): Promise<unknown[]>;
  /**
   * Writes new entries create-only, in order. Resolves with how many were written before the first
   * position that already existed (all of them when none did). With `atomic`, either all or none.
   */
  appendCreateOnly(entries: ReadonlyArray<{ readonly seq: number; readonly value: JsonValue }>, signal?: AbortSignal): Promise<number>;
  /** Overwrites (or re-creates) entries; used only by `recover` after the replacement verified. */
  replace(entries: ReadonlyArray<{ readonly seq: number; readonly value: JsonValue }>, signal?: AbortSignal): Promise<void>;
  readTip(signal?: AbortSignal): Promise<StoredTip | undefined>;
  /** Writes the tip if it is still `expected` (etag), or creates it when `expected` is undefined. False on a race. */
  writeTip(value: JsonValue, expected: string | undefined, signal?: AbortSignal): Promise<boolean>;
}

function signalField(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}

/** A ledger over a record store namespace (PostgreSQL, memory, …). Uses the bulk operations when the store has them. */
export function recordLedgerBackend(store: RecordStore, namespace: string): LedgerBackend {
  return {
    description: `${store.name} records, namespace ${namespace}`,
    async readMany(seqs, signal) {
      if (store.getMany !== undefined && seqs.length > 1) {
        const entries = await store.getMany({ namespace, keys: seqs.map(entryKey), ...signalField(signal) });
        return entries.map((entry) => entry?.value);
      }
      const entries = await Promise.all(seqs.map((seq) => store.get({ namespace, key: entryKey(seq), ...signalField(signal) })));
      return entries.map((entry) => entry?.value);
    },
    async appendCreateOnly(entries, signal) {
      if (store.putMany !== undefined && entries.length > 1) {
        try {
          await store.putMany({
            namespace,
            entries: entries.map(({ seq, value }) => ({ key: entryKey(seq), value, ifNoneMatch: '*' as const })),
            ...signalField(signal),
          });
          return entries.length;
        } catch (error) {
          if (isStorageError(error, 'ALREADY_EXISTS')) return 0;
          throw error;
        }
      }
      let written = 0;
      for (const { seq, value } of entries) {
        try {
          await store.put({ namespace, key: entryKey(seq), value, ifNoneMatch: '*', ...signalField(signal) });
        } catch (error) {
          if (isStorageError(error, 'ALREADY_EXISTS')) return written;
          throw error;
        }
        written += 1;
      }
      return written;
    },
    async replace(entries, signal) {
      for (const { seq, value } of entries) await store.put({ namespace, key: entryKey(seq), value, ...signalField(signal) });
    },
    async readTip(signal) {
      const tip = await store.get({ namespace, key: TIP_KEY, ...signalField(signal) });
      return tip === undefined ? undefined : { value: tip.value, etag: tip.etag };
    },
    async writeTip(value, expected, signal) {
      try {
        await store.put({
          namespace,
          key: TIP_KEY,
          value,
          ...(expected === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: expected }),
          ...signalField(signal),
        });
        return true;
      } catch (error) {
        if (isStorageError(error, 'ALREADY_EXISTS') || isStorageError(error, 'PRECONDITION_FAILED')) return false;
        throw error;
      }
    },
  };
}

/** The most entries read from a blob store at once. */
const BLOB_READ_PARALLELISM = 16;

async function readJsonBody(body: Readable): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return { malformed: true };
  }
}

function blobKey(seq: number): string {
  return `${entryKey(seq)}.json`;
}

/**
 * A ledger over a blob store namespace (S3 as a cold tier, memory, …): one small JSON object per
 * entry. Appends need the store's `createOnly` capability; the tip needs `compareAndSwap` (without
 * it the tip is written unconditionally and may lag behind; verify probes past it).
 */
export function blobLedgerBackend(store: BlobStore, namespace: string): LedgerBackend {
  if (!store.capabilities.createOnly) {
    throw new StorageError('UNSUPPORTED', `a ledger needs create-only puts; the ${store.name} blob store does not declare createOnly`);
  }
  const read = async (key: string, signal: AbortSignal | undefined) => {
    const object = await store.get({ namespace, key, ...signalField(signal) });
    return object === undefined ? undefined : { value: await readJsonBody(object.body), etag: object.meta.etag };
  };
  const put = (key: string, value: JsonValue, extra: object, signal: AbortSignal | undefined) => {
    const body = Buffer.from(JSON.stringify(value), 'utf8');
    return store.put({ namespace, key, body, contentLength: body.length, contentType: 'application/json', ...extra, ...signalField(signal) });
  };
  return {
    description: `${store.name} blobs, namespace ${namespace}`,
    async readMany(seqs, signal) {
      const out: unknown[] = new Array<unknown>(seqs.length);
      for (let start = 0; start < seqs.length; start += BLOB_READ_PARALLELISM) {
        const slice = seqs.slice(start, start + BLOB_READ_PARALLELISM);
        const values = await Promise.all(slice.map(async (seq) => (await read(blobKey(seq), signal))?.value));
        values.forEach((value, index) => (out[start + index] = value));
      }
      return out;
    },
    async appendCreateOnly(entries, signal) {
      let written = 0;
      for (const { seq, value } of entries) {
        try {
          await put(blobKey(seq), value, { ifNoneMatch: '*' }, signal);
        } catch (error) {
          if (isStorageError(error, 'ALREADY_EXISTS') || isStorageError(error, 'PRECONDITION_FAILED')) return written;
          throw error;
        }
        written += 1;
      }
      return written;
    },
    async replace(entries, signal) {
      for (const { seq, value } of entries) await put(blobKey(seq), value, {}, signal);
    },
    async readTip(signal) {
      return read(`${TIP_KEY}.json`, signal);
    },
    async writeTip(value, expected, signal) {
      const condition =
        expected === undefined ? { ifNoneMatch: '*' } : store.capabilities.compareAndSwap ? { ifMatch: expected } : {};
      try {
        await put(`${TIP_KEY}.json`, value, condition, signal);
        return true;
      } catch (error) {
        if (isStorageError(error, 'ALREADY_EXISTS') || isStorageError(error, 'PRECONDITION_FAILED')) return false;
        throw error;
      }
    },
  };
}
