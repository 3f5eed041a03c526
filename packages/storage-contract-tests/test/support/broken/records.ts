import { createHash } from 'node:crypto';
import {
  StorageError,
  createMemoryRecordStore,
  decodeListingCursor,
  encodeListingCursor,
  isStorageError,
  validateRecordList,
  type RecordEntry,
  type RecordStore,
} from '@sanctum/storage-core';

/** Delegates every operation to a memory store (optional ones only when declared); each broken store overrides one. */
function delegate(inner: RecordStore): RecordStore {
  const store: RecordStore = {
    kind: 'record',
    name: 'broken',
    capabilities: inner.capabilities,
    get: (request) => inner.get(request),
    put: (request) => inner.put(request),
    delete: (request) => inner.delete(request),
    list: (request) => inner.list(request),
  };
  if (inner.capabilities.bulk) {
    store.getMany = (request) => inner.getMany!(request);
    store.putMany = (request) => inner.putMany!(request);
    store.deleteMany = (request) => inner.deleteMany!(request);
  }
  if (inner.capabilities.transactions) store.transaction = (work) => inner.transaction!(work);
  return store;
}

/** Ignores `ifMatch` on put and delete: the textbook lost update. */
export function ignoresIfMatch(): RecordStore {
  const inner = createMemoryRecordStore();
  return {
    ...delegate(inner),
    put: ({ ifMatch, ...request }) => inner.put(typeof ifMatch === 'string' && ifMatch !== '' && request.ifNoneMatch === undefined ? request : { ...request, ...(ifMatch === undefined ? {} : { ifMatch }) }),
    delete: ({ ifMatch: _ignored, ...request }) => inner.delete(request),
  };
}

/** Paginates by offset: pages skip or repeat records when writes happen between them. */
export function offsetPagination(): RecordStore {
  const inner = createMemoryRecordStore();
  return {
    ...delegate(inner),
    async list({ cursor, ...request }) {
      const where = { operation: 'records.list', namespace: request.namespace };
      const { prefix, limit } = validateRecordList(request, where);
      const listing = { namespace: request.namespace, prefix };
      const text = cursor === undefined ? '0' : decodeListingCursor(cursor, listing, where);
      if (!/^\d+$/.test(text)) throw new StorageError('INVALID_ARGUMENT', 'bad cursor', { namespace: request.namespace });
      const offset = Number(text);
      const all: RecordEntry[] = [];
      let next: string | undefined;
      do {
        const page = await inner.list({ ...request, limit: 1000, ...(next === undefined ? {} : { cursor: next }) });
        all.push(...page.items);
        next = page.cursor;
      } while (next !== undefined);
      const items = all.slice(offset, offset + limit);
      const more = offset + limit < all.length;
      return more ? { items, cursor: encodeListingCursor(listing, String(offset + limit)) } : { items };
    },
  };
}

/**
 * Uses the version as the etag, so a re-created key gets an old etag back. (Declares no bulk or
 * transactions: only the core operations translate etags.)
 */
export function versionAsEtag(): RecordStore {
  const inner = createMemoryRecordStore({ capabilities: { bulk: false, transactions: false } });
  const view = (entry: RecordEntry | undefined): RecordEntry | undefined => (entry === undefined ? undefined : { ...entry, etag: `v${String(entry.version)}` });
  // Translates the fake etag to the real one; only the version is compared.
  const realEtag = async (namespace: string, key: string, ifMatch: string | undefined): Promise<string | undefined> => {
    if (typeof ifMatch !== 'string' || ifMatch === '') return ifMatch;
    const current = await inner.get({ namespace, key });
    return current !== undefined && `v${String(current.version)}` === ifMatch ? current.etag : 'no-match';
  };
  return {
    ...delegate(inner),
    get: async (request) => view(await inner.get(request)),
    async put({ ifMatch, ...request }) {
      const etag = await realEtag(request.namespace, request.key, ifMatch);
      const written = await inner.put({ ...request, ...(etag === undefined ? {} : { ifMatch: etag }) });
      return { ...written, etag: `v${String(written.version)}` };
    },
    async delete({ ifMatch, ...request }) {
      const etag = await realEtag(request.namespace, request.key, ifMatch);
      return inner.delete({ ...request, ...(etag === undefined ? {} : { ifMatch: etag }) });
    },
    async list(request) {
      const page = await inner.list(request);
      return { ...page, items: page.items.map((item) => view(item)!) };
    },
  };
}

/** Drops the first record of a page when anything was written since the previous page. */
export function skipsAfterWrites(): RecordStore {
  const inner = createMemoryRecordStore();
  let wrote = false;
  return {
    ...delegate(inner),
    put: (request) => {
      wrote = true;
      return inner.put(request);
    },
    delete: (request) => {
      wrote = true;
      return inner.delete(request);
    },
    async list(request) {
      const page = await inner.list(request);
      const skip = wrote && request.cursor !== undefined;
      wrote = false;
      return skip ? { ...page, items: page.items.slice(1) } : page;
    },
  };
}

/** Answers bad input with a made-up success instead of INVALID_ARGUMENT: the silent acceptance. */
export function swallowsInvalidInput(): RecordStore {
  const inner = createMemoryRecordStore();
  const quietly = async <T>(work: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (isStorageError(error, 'INVALID_ARGUMENT')) return fallback;
      throw error;
    }
  };
  return {
    ...delegate(inner),
    get: (request) => quietly(() => inner.get(request), undefined),
    put: (request) => quietly(() => inner.put(request), { version: 1, etag: 'accepted' }),
    delete: (request) => quietly(() => inner.delete(request), false),
    list: (request) => quietly(() => inner.list(request), { items: [] }),
    getMany: (request) => quietly(() => inner.getMany!(request), []),
    putMany: (request) => quietly(() => inner.putMany!(request), []),
    deleteMany: (request) => quietly(() => inner.deleteMany!(request), 0),
  };
}

/** Lists keys in UTF-16 unit order (JavaScript's `<`), which differs from code point order. */
export function utf16Order(): RecordStore {
  const inner = createMemoryRecordStore();
  return {
    ...delegate(inner),
    async list({ cursor, ...request }) {
      const where = { operation: 'records.list', namespace: request.namespace };
      const { prefix, limit } = validateRecordList(request, where);
      const listing = { namespace: request.namespace, prefix };
      const all: RecordEntry[] = [];
      let next: string | undefined;
      do {
        const page = await inner.list({ ...request, limit: 1000, ...(next === undefined ? {} : { cursor: next }) });
        all.push(...page.items);
        next = page.cursor;
      } while (next !== undefined);
      // Keyset on the UTF-16 order, so pagination under concurrent writes stays correct.
      const after = cursor === undefined ? undefined : decodeListingCursor(cursor, listing, where);
      const sorted = all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).filter((entry) => after === undefined || entry.key > after);
      const items = sorted.slice(0, limit);
      return sorted.length > limit ? { items, cursor: encodeListingCursor(listing, items.at(-1)!.key) } : { items };
    },
  };
}

/** Derives the etag from key, version and content: a re-created record with the same content repeats it. */
export function contentEtag(): RecordStore {
  const inner = createMemoryRecordStore({ capabilities: { bulk: false, transactions: false } });
  const etagOf = (entry: { key: string; version: number; value: unknown }) =>
    createHash('sha256').update(JSON.stringify([entry.key, entry.version, entry.value])).digest('base64url');
  const view = (entry: RecordEntry | undefined): RecordEntry | undefined => (entry === undefined ? undefined : { ...entry, etag: etagOf(entry) });
  const realEtag = async (namespace: string, key: string, ifMatch: string | undefined): Promise<string | undefined> => {
    if (typeof ifMatch !== 'string' || ifMatch === '') return ifMatch;
    const current = await inner.get({ namespace, key });
    return current !== undefined && etagOf(current) === ifMatch ? current.etag : 'no-match';
  };
  return {
    ...delegate(inner),
    get: async (request) => view(await inner.get(request)),
    async put({ ifMatch, ...request }) {
      const etag = await realEtag(request.namespace, request.key, ifMatch);
      const written = await inner.put({ ...request, ...(etag === undefined ? {} : { ifMatch: etag }) });
      return { ...written, etag: etagOf({ key: request.key, version: written.version, value: request.value }) };
    },
    async delete({ ifMatch, ...request }) {
      const etag = await realEtag(request.namespace, request.key, ifMatch);
      return inner.delete({ ...request, ...(etag === undefined ? {} : { ifMatch: etag }) });
    },
    async list(request) {
      const page = await inner.list(request);
      return { ...page, items: page.items.map((item) => view(item)!) };
    },
  };
}
