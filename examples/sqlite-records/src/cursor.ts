import { sqliteError } from './errors.js';

interface Position {
  /** Namespace and prefix of the listing the cursor belongs to. */
  readonly n: string;
  readonly p: string;
  /** Last key of the page. */
  readonly k: string;
}

/** Opaque cursor: base64url JSON of the listing it belongs to and the last key returned. */
export function encodeCursor(namespace: string, prefix: string, lastKey: string): string {
  const position: Position = { n: namespace, p: prefix, k: lastKey };
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** The last key of a cursor this store issued for the same listing; anything else is INVALID_ARGUMENT. */
export function decodeCursor(cursor: string, namespace: string, prefix: string): string {
  const invalid = () => sqliteError('INVALID_ARGUMENT', 'cursor is not one this store issued for this listing; start again without it', 'records.list', namespace);
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let position: Partial<Position>;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<Position>;
  } catch {
    throw invalid();
  }
  if (typeof position !== 'object' || position === null) throw invalid();
  if (position.n !== namespace || position.p !== prefix || typeof position.k !== 'string') throw invalid();
  return position.k;
}
