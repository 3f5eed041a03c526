import type { RecordDeleteManyRequest, RecordEntry, RecordGetManyRequest, RecordPutManyRequest, RecordWriteResult } from '@sanctum/storage-core/spi';
import { adapterError, type ErrorContext } from './errors.js';
import type { Executor } from './executor.js';
import { toEntry } from './record-ops.js';
import type { Statements } from './sql/statements.js';
import { textArray } from './sql/text-array.js';
import { assertKey, conditionOf, serialize, ttlOf } from './validate.js';

function assertKeys(keys: unknown, context: ErrorContext): readonly string[] {
  if (!Array.isArray(keys)) throw adapterError('INVALID_ARGUMENT', 'keys must be an array', context, { field: 'keys' });
  keys.forEach((key, index) => assertKey(key, context, `keys[${String(index)}]`));
  return keys as string[];
}

/** getMany, putMany and deleteMany, each one statement (one round trip) over array parameters. */
export class BulkOps {
  readonly #exec: Executor;
  readonly #sql: Statements;

  constructor(executor: Executor, statements: Statements) {
    this.#exec = executor;
    this.#sql = statements;
  }

  async getMany(request: RecordGetManyRequest): Promise<Array<RecordEntry | undefined>> {
    const { namespace } = request;
    const context: ErrorContext = { operation: 'records.getMany', namespace };
    const keys = assertKeys(request.keys, context);
    if (keys.length === 0) return [];
    const rows = await this.#exec.run(this.#sql.getMany, { namespace, keys: textArray(keys) }, context, request.signal);
    const byKey = new Map(rows.map((row) => [row.key, row]));
    const handedOut = new Set<unknown>();
    return keys.map((key) => {
      const row = byKey.get(key);
      if (row === undefined) return undefined;
      // A key asked for twice gets its own copy: no two entries share a value object.
      const entry = toEntry(handedOut.has(row) ? { ...row, value: structuredClone(row.value) } : row);
      handedOut.add(row);
      return entry;
    });
  }

  /**
   * All or nothing, in one statement: any failed condition fails the whole batch with its code
   * and writes nothing. A key may appear once per batch (INVALID_ARGUMENT otherwise).
   */
  async putMany(request: RecordPutManyRequest): Promise<RecordWriteResult[]> {
    const { namespace } = request;
    const context: ErrorContext = { operation: 'records.putMany', namespace };
    if (!Array.isArray(request.entries)) throw adapterError('INVALID_ARGUMENT', 'entries must be an array', context, { field: 'entries' });
    const entries = request.entries;
    if (entries.length === 0) return [];
    const seen = new Set<string>();
    const keys: string[] = [];
    const values: string[] = [];
    const ttls: Array<number | null> = [];
    const ifMatches: Array<string | null> = [];
    const createOnly: boolean[] = [];
    for (const [index, entry] of entries.entries()) {
      assertKey(entry.key, context, `entries[${String(index)}].key`);
      if (seen.has(entry.key)) {
        throw adapterError('INVALID_ARGUMENT', `entries[${String(index)}] repeats a key of an earlier entry`, context, { field: `entries[${String(index)}].key` });
      }
      seen.add(entry.key);
      const condition = conditionOf(entry, context);
      keys.push(entry.key);
      values.push(serialize(entry.value, context));
      ttls.push(ttlOf(entry.ttlMs, context));
      ifMatches.push(condition === 'match' ? entry.ifMatch! : null);
      createOnly.push(condition === 'create');
    }
    const rows = await this.#exec.run(
      this.#sql.putMany,
      {
        namespace,
        keys: textArray(keys),
        values: textArray(values),
        ttls: textArray(ttls),
        ifMatches: textArray(ifMatches),
        createOnly: textArray(createOnly),
      },
      context,
      request.signal,
    );
    return rows.map((row) => ({ version: row.version, etag: row.etag }));
  }

  async deleteMany(request: RecordDeleteManyRequest): Promise<number> {
    const { namespace } = request;
    const context: ErrorContext = { operation: 'records.deleteMany', namespace };
    const keys = assertKeys(request.keys, context);
    if (keys.length === 0) return 0;
    const rows = await this.#exec.run(this.#sql.deleteMany, { namespace, keys: textArray(keys) }, context, request.signal);
    return rows.filter((row) => row.live).length;
  }
}
