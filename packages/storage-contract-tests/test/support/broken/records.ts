import { StorageError } from '@sanctum/storage-core';
import { createMemoryRecordStore, type RecordEntry, type RecordStore } from '@sanctum/storage-core/spi';

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
    put: ({ ifMatch: _ignored, ...request }) => inner.put(request),
    delete: ({ ifMatch: _ignored, ...request }) => inner.delete(request),
  };
}

/** Paginates by offset: pages skip or repeat records when writes happen between them. */
export function offsetPagination(): RecordStore {
  const inner = createMemoryRecordStore();
  return {
    ...delegate(inner),
    async list({ cursor, limit = 100, ...request }) {
      const text = cursor === undefined ? '0' : Buffer.from(cursor, 'base64url').toString('utf8');
      if (!/^\d+$/.test(text) || (cursor !== undefined && Buffer.from(text).toString('base64url') !== cursor)) {
        throw new StorageError('INVALID_ARGUMENT', 'bad cursor', { namespace: request.namespace });
      }
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
      return more ? { items, cursor: Buffer.from(String(offset + limit)).toString('base64url') } : { items };
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
    if (ifMatch === undefined) return undefined;
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
