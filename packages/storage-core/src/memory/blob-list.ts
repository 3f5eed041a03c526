import type { BlobListPage, BlobListRequest, BlobMeta } from '../spi/index.js';
import { copyMeta, type BlobTable } from './blob-table.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { validateBlobList } from '../validation/index.js';
import { memoryWhere } from './errors.js';

// Cursor tags: the page ended on an object, or on a common prefix (whose keys the next page skips).
const OBJECT = 'o';
const PREFIX = 'p';

/**
 * One keyset page of objects and common prefixes in key order; both count towards `limit`, as in S3.
 * The cursor holds the last key (or prefix) returned, so concurrent writes never shift the listing.
 */
export function listBlobs(table: BlobTable, request: BlobListRequest): BlobListPage {
  const { namespace, delimiter } = request;
  const where = memoryWhere('blobs.list', namespace);
  const { prefix, limit } = validateBlobList(request, where);
  const listing = { namespace, prefix, delimiter };
  const position = request.cursor === undefined ? undefined : decodeCursor(request.cursor, [OBJECT, PREFIX], listing, where);

  let index = table.keys.lowerBound(prefix);
  if (position !== undefined) index = Math.max(index, table.keys.upperBound(position.key));
  let skip = position?.tag === PREFIX ? position.key : undefined;
  const items: BlobMeta[] = [];
  const prefixes: string[] = [];
  let last: { tag: string; key: string } | undefined;
  let more = false;

  for (let key = table.keys.at(index); key !== undefined && key.startsWith(prefix); key = table.keys.at(++index)) {
    if (skip !== undefined && key.startsWith(skip)) continue;
    const rest = key.slice(prefix.length);
    const cut = delimiter === undefined ? -1 : rest.indexOf(delimiter);
    if (items.length + prefixes.length === limit) {
      more = true;
      break;
    }
    if (cut >= 0 && delimiter !== undefined) {
      skip = prefix + rest.slice(0, cut + delimiter.length);
      prefixes.push(skip);
      last = { tag: PREFIX, key: skip };
    } else {
      const blob = table.get(key);
      if (blob === undefined) continue;
      items.push(copyMeta(blob.meta));
      last = { tag: OBJECT, key };
    }
  }
  return more && last !== undefined ? { items, prefixes, cursor: encodeCursor(listing, last.tag, last.key) } : { items, prefixes };
}
