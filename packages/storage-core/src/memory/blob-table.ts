import type { BlobMeta } from '../spi/index.js';
import { SortedKeys } from './sorted-keys.js';

/** An object as the memory store keeps it. */
export interface StoredBlob {
  readonly bytes: Buffer;
  readonly meta: BlobMeta;
}

/** The objects of one namespace, with a sorted key index for keyset listings. */
export class BlobTable {
  readonly keys = new SortedKeys();
  readonly #objects = new Map<string, StoredBlob>();

  get(key: string): StoredBlob | undefined {
    return this.#objects.get(key);
  }

  set(key: string, blob: StoredBlob): void {
    if (!this.#objects.has(key)) this.keys.insert(key);
    this.#objects.set(key, blob);
  }

  remove(key: string): boolean {
    if (!this.#objects.delete(key)) return false;
    this.keys.remove(key);
    return true;
  }
}

/** A copy of `meta` the caller may keep: fresh Date, fresh metadata object. */
export function copyMeta(meta: BlobMeta): BlobMeta {
  return { ...meta, lastModified: new Date(meta.lastModified.getTime()), metadata: { ...meta.metadata } };
}

/** Metadata with lower-cased keys, as object stores report it. */
export function lowerCaseKeys(metadata: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata ?? {})) result[name.toLowerCase()] = String(value);
  return result;
}
