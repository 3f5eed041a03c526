import type { JsonValue } from '../types/index.js';
import type { RecordEntry } from '../spi/index.js';
import { SortedKeys } from './sorted-keys.js';

/** A record as the memory store keeps it: the value serialized, so no caller shares an object with it. */
export interface StoredRecord {
  readonly json: string;
  readonly version: number;
  readonly etag: string;
  readonly expiresAt?: number;
}

/** The public view of a stored row; parses a fresh value every time. */
export function toEntry(key: string, row: StoredRecord): RecordEntry {
  const value = JSON.parse(row.json) as JsonValue;
  return row.expiresAt === undefined
    ? { key, value, version: row.version, etag: row.etag }
    : { key, value, version: row.version, etag: row.etag, expiresAt: row.expiresAt };
}

/** The records of one namespace, with a sorted key index for keyset listings. */
export class RecordTable {
  readonly keys: SortedKeys;
  readonly #rows: Map<string, StoredRecord>;

  constructor(rows: ReadonlyMap<string, StoredRecord> = new Map(), keys: SortedKeys = new SortedKeys()) {
    this.#rows = new Map(rows);
    this.keys = keys;
  }

  /** The row unless absent or expired; an expired row is dropped on the way (lazy expiry). */
  live(key: string, now: number): StoredRecord | undefined {
    const row = this.#rows.get(key);
    if (row === undefined) return undefined;
    if (row.expiresAt !== undefined && row.expiresAt <= now) {
      this.remove(key);
      return undefined;
    }
    return row;
  }

  /** The row without expiring it (listing walks the index and expires afterwards). */
  peek(key: string): StoredRecord | undefined {
    return this.#rows.get(key);
  }

  set(key: string, row: StoredRecord): void {
    if (!this.#rows.has(key)) this.keys.insert(key);
    this.#rows.set(key, row);
  }

  remove(key: string): boolean {
    if (!this.#rows.delete(key)) return false;
    this.keys.remove(key);
    return true;
  }

  clone(): RecordTable {
    return new RecordTable(this.#rows, this.keys.clone());
  }
}

/** Where record operations find a namespace's table. */
export interface TableSource {
  table(namespace: string): RecordTable;
}

/** The committed tables of a store. */
export class RecordState implements TableSource {
  readonly #tables = new Map<string, RecordTable>();

  table(namespace: string): RecordTable {
    let table = this.#tables.get(namespace);
    if (table === undefined) {
      table = new RecordTable();
      this.#tables.set(namespace, table);
    }
    return table;
  }

  replace(namespace: string, table: RecordTable): void {
    this.#tables.set(namespace, table);
  }
}

/**
 * A private copy of every namespace it touches; `commit()` swaps the copies in at once. Used for
 * transactions and all-or-nothing bulk writes (the store lets no other write run meanwhile).
 */
export class OverlayState implements TableSource {
  readonly #base: RecordState;
  readonly #copies = new Map<string, RecordTable>();

  constructor(base: RecordState) {
    this.#base = base;
  }

  table(namespace: string): RecordTable {
    let copy = this.#copies.get(namespace);
    if (copy === undefined) {
      copy = this.#base.table(namespace).clone();
      this.#copies.set(namespace, copy);
    }
    return copy;
  }

  commit(): void {
    for (const [namespace, table] of this.#copies) this.#base.replace(namespace, table);
  }
}
