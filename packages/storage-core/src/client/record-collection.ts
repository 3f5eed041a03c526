import { StorageError } from '../errors/index.js';
import type { RecordEntry, RecordOperations, RecordPutRequest, RecordStore } from '../spi/index.js';
import type { JsonValue, OperationOptions, Principal, StandardSchemaV1 } from '../types/index.js';
import { conformToSchema } from '../validation/index.js';
import { transactionTopic, type StreamPeer } from '../outbox/transaction-topic.js';
import type { RecordCollection, RecordPutOptions, RecordTransaction, RecordTransactionCollection, StoredRecord } from './types.js';

function toRecord<T>(entry: RecordEntry): StoredRecord<T> {
  return entry as unknown as StoredRecord<T>;
}

function notFound(namespace: string, operation: string): StorageError {
  return new StorageError('NOT_FOUND', `no record with this key in namespace "${namespace}"`, { operation, namespace });
}

function unsupported(namespace: string, adapter: string, what: string, capability: string): StorageError {
  return new StorageError('UNSUPPORTED', `adapter "${adapter}" of namespace "${namespace}" does not support ${what} (capability "${capability}")`, {
    operation: `records.${what}`,
    namespace,
    adapter,
  });
}

function pick(options: OperationOptions | undefined): OperationOptions {
  if (options === undefined) return {};
  return {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.correlationId === undefined ? {} : { correlationId: options.correlationId }),
    ...(options.principal === undefined ? {} : { principal: options.principal }),
  };
}

/**
 * The call's options with the scope's principal added (a call's own `principal` wins). Unscoped
 * calls get their options back untouched; a scoped call without options gets one object made per
 * handle (`bound`), so the common path allocates nothing and keeps one object shape.
 */
export function scoped<O extends OperationOptions>(options: O | undefined, principal: Principal | undefined, bound?: OperationOptions): O | undefined {
  if (principal === undefined) return options;
  if (options === undefined) return (bound ?? { principal }) as O;
  if (options.principal !== undefined) return options;
  // `{ principal, ...options }`, not `{ ...options, principal }`: in V8 (Node 20) a property added
  // after a spread clone takes a slow path (~1–2 µs per call); one written before costs tens of ns.
  const withPrincipal = { principal, ...options };
  withPrincipal.principal = principal; // the caller's explicit `principal: undefined` must not win
  return withPrincipal as O;
}

/**
 * The request of a keyed call: no copy when the caller passed no options (the common case). With
 * options, the call's own fields are written first and set again after the copy (so an option
 * named `key` or `namespace` cannot redirect the call): `{ ...options, namespace, key }` would
 * cost ~1–2 µs per call in V8 (Node 20), a property added after a spread clone being slow.
 */
function keyRequest<O extends object>(namespace: string, key: string, options: O | undefined): O & { namespace: string; key: string } {
  if (options === undefined) return { namespace, key } as O & { namespace: string; key: string };
  const request = { namespace, key, ...options };
  request.namespace = namespace;
  request.key = key;
  return request;
}

/** The request of a put: {@link keyRequest} plus the value, built the same way. */
function putRequest(namespace: string, key: string, value: JsonValue, options: RecordPutOptions | undefined): RecordPutRequest {
  if (options === undefined) return { namespace, key, value };
  const request = { namespace, key, value, ...options };
  request.namespace = namespace;
  request.key = key;
  request.value = value;
  return request;
}

/** Resolves another record namespace for a transaction; throws unless it shares the adapter instance. */
export type TransactionPeer = (namespace: string) => string;

/**
 * The value to write: checked by the namespace's schema when one was given (its output is stored),
 * else as it is. Either way the validate layer then applies the strict-JSON rules.
 */
async function valueToWrite(schema: StandardSchemaV1 | undefined, value: unknown, namespace: string, operation: string, field = 'value'): Promise<JsonValue> {
  const checked = schema === undefined ? value : await conformToSchema(schema, value, { operation, namespace }, field);
  return checked as JsonValue;
}

// `tx` runs every request through the layers of the namespace it names (validation included).
function transactionCollection<T>(tx: RecordOperations, namespace: string, schema: StandardSchemaV1 | undefined, principal: Principal | undefined): RecordTransactionCollection<T> {
  const as = principal === undefined ? {} : { principal };
  return {
    async get(key) {
      const entry = await tx.get({ ...as, namespace, key });
      if (entry === undefined) throw notFound(namespace, 'records.transaction.get');
      return toRecord<T>(entry);
    },
    async find(key) {
      const entry = await tx.get({ ...as, namespace, key });
      return entry === undefined ? undefined : toRecord<T>(entry);
    },
    async put(key, value, options) {
      return tx.put({ ...as, ...options, namespace, key, value: await valueToWrite(schema, value, namespace, 'records.transaction.put') });
    },
    async delete(key, options) {
      return tx.delete({ ...as, ...options, namespace, key });
    },
  };
}

/** The facade handle of one record namespace, over its layered store. */
export function createRecordCollection<T>(
  namespace: string,
  store: RecordStore,
  peer: TransactionPeer,
  schema?: StandardSchemaV1,
  principal?: Principal,
  streamPeer?: StreamPeer,
): RecordCollection<T> {
  const bound: OperationOptions | undefined = principal === undefined ? undefined : Object.freeze({ principal });
  const foundOrThrow = (entry: RecordEntry | undefined): RecordEntry => {
    if (entry === undefined) throw notFound(namespace, 'records.get');
    return entry;
  };
  const collection: RecordCollection<T> = {
    namespace,
    // get / find / put / delete are the hot path: plain functions returning the layered store's
    // promise (a synchronous throw, e.g. from validation, becomes a rejection), no async frame.
    get(key, options) {
      try {
        return store.get(keyRequest(namespace, key, scoped(options, principal, bound))).then(foundOrThrow) as Promise<StoredRecord<T>>;
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
    find(key, options) {
      try {
        return store.get(keyRequest(namespace, key, scoped(options, principal, bound))) as Promise<StoredRecord<T> | undefined>;
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
    put(key, value, callOptions) {
      const options = scoped(callOptions, principal, bound);
      if (schema !== undefined) {
        return valueToWrite(schema, value, namespace, 'records.put').then((checked) => store.put(putRequest(namespace, key, checked, options)));
      }
      try {
        return store.put(putRequest(namespace, key, value as JsonValue, options));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
    delete(key, options) {
      try {
        return store.delete(keyRequest(namespace, key, scoped(options, principal, bound)));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
    async list(options) {
      const page = await store.list({ ...scoped(options, principal, bound), namespace });
      return page as unknown as Awaited<ReturnType<RecordCollection<T>['list']>>;
    },
    async *scan(options) {
      let cursor: string | undefined;
      do {
        const page = await store.list({ ...scoped(options, principal, bound), namespace, ...(cursor === undefined ? {} : { cursor }) });
        for (const item of page.items) yield toRecord<T>(item);
        cursor = page.cursor;
      } while (cursor !== undefined);
    },
    async getMany(keys, options) {
      if (!store.getMany) throw unsupported(namespace, store.name, 'getMany', 'bulk');
      const entries = await store.getMany({ ...pick(scoped(options, principal, bound)), namespace, keys });
      return entries.map((entry) => (entry === undefined ? undefined : toRecord<T>(entry)));
    },
    async putMany(entries, options) {
      if (!store.putMany) throw unsupported(namespace, store.name, 'putMany', 'bulk');
      const checked =
        schema === undefined || !Array.isArray(entries)
          ? (entries as ReadonlyArray<{ readonly key: string; readonly value: JsonValue }>)
          : await Promise.all(
              entries.map(async (entry, i) => ({ ...entry, value: await valueToWrite(schema, entry.value, namespace, 'records.putMany', `entries[${String(i)}].value`) })),
            );
      return store.putMany({ ...pick(scoped(options, principal, bound)), namespace, entries: checked });
    },
    async deleteMany(keys, options) {
      if (!store.deleteMany) throw unsupported(namespace, store.name, 'deleteMany', 'bulk');
      return store.deleteMany({ ...pick(scoped(options, principal, bound)), namespace, keys });
    },
    async transaction(work) {
      if (!store.transaction) throw unsupported(namespace, store.name, 'transaction', 'transactions');
      return store.transaction((tx) => {
        const handle: RecordTransactionCollection<T> & RecordTransaction = {
          ...transactionCollection<T>(tx, namespace, schema, principal),
          records(other: string, options?: { readonly schema: StandardSchemaV1 }) {
            return transactionCollection(tx, peer(other), options?.schema, principal);
          },
          streams(stream: string) {
            streamPeer?.(stream);
            return transactionTopic(tx, namespace, store.name, stream);
          },
        };
        return work(handle);
      });
    },
  };
  return collection;
}
