import type { Page } from '../types/index.js';
import type { RecordEntry, RecordListRequest } from '../spi/index.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { validateRecordList } from '../validation/index.js';
import { memoryWhere } from './errors.js';
import { toEntry, type RecordTable } from './record-table.js';

const TAG = 'r';

/**
 * One keyset page: the keys after the cursor's key, in order. Because the position is a key and not
 * an offset, inserts and deletes elsewhere never make a record present throughout skip or repeat.
 */
export function listRecords(table: RecordTable, request: RecordListRequest, now: number): Page<RecordEntry> {
  const { namespace } = request;
  const where = memoryWhere('records.list', namespace);
  const { prefix, limit } = validateRecordList(request, where);
  const listing = { namespace, prefix };
  const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor, [TAG], listing, where).key;
  let index = table.keys.lowerBound(prefix);
  if (after !== undefined) index = Math.max(index, table.keys.upperBound(after));

  const items: RecordEntry[] = [];
  const expired: string[] = [];
  let more = false;
  for (let key = table.keys.at(index); key !== undefined && key.startsWith(prefix); key = table.keys.at(++index)) {
    const row = table.peek(key);
    if (row === undefined) continue;
    if (row.expiresAt !== undefined && row.expiresAt <= now) {
      expired.push(key);
      continue;
    }
    if (items.length === limit) {
      more = true;
      break;
    }
    items.push(toEntry(key, row));
  }
  for (const key of expired) table.remove(key);
  const last = items.at(-1);
  return more && last !== undefined ? { items, cursor: encodeCursor(listing, TAG, last.key) } : { items };
}
