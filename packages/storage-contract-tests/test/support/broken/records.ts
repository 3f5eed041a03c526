import { createHash } from 'node:crypto';
import { StorageError } from '@sanctum/storage-core';
import { createMemoryRecordStore, decodeListingCursor, encodeListingCursor, validateRecordList, validateRecordSplice, type RecordEntry, type RecordSpliceRequest, type RecordStore } from '@sanctum/storage-core/spi';
import { listEverything, quietly, utf16Page } from './shared.js';

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
  if (inner.capabilities.splice === true) store.spliceValue = (request) => inner.spliceValue!(request);
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

/**
 * A store whose list pages are cut from the whole listing by `page`, keeping core's limit and
 * cursor-binding rules, so only the cutting itself is broken.
 */
function pagedBy(page: (all: RecordEntry[], position: string | undefined, limit: number) => { items: RecordEntry[]; next?: string }): RecordStore {
  const inner = createMemoryRecordStore();
  return {
    ...delegate(inner),
    async list({ cursor, ...request }) {
      const where = { operation: 'records.list', namespace: request.namespace };
      const { prefix, limit } = validateRecordList(request, where);
      const listing = { namespace: request.namespace, prefix };
      const all = await listEverything((next) => inner.list({ ...request, limit: 1000, ...(next === undefined ? {} : { cursor: next }) }));
      const cut = page(all, cursor === undefined ? undefined : decodeListingCursor(cursor, listing, where), limit);
      return cut.next === undefined ? { items: cut.items } : { items: cut.items, cursor: encodeListingCursor(listing, cut.next) };
    },
  };
}

/** Paginates by offset: pages skip or repeat records when writes happen between them. */
export function offsetPagination(): RecordStore {
  return pagedBy((all, position, limit) => {
    const offset = Number(position ?? '0');
    if (!Number.isInteger(offset)) throw new StorageError('INVALID_ARGUMENT', 'bad cursor');
    const items = all.slice(offset, offset + limit);
    return offset + limit < all.length ? { items, next: String(offset + limit) } : { items };
  });
}

/**
 * A store that shows `etagOf(entry)` instead of its real etags (translating them back for `ifMatch`).
 * Declares no bulk or transactions: only the core operations translate etags.
 */
function withFakeEtags(etagOf: (entry: { readonly key: string; readonly version: number; readonly value: unknown }) => string): RecordStore {
  const inner = createMemoryRecordStore({ capabilities: { bulk: false, transactions: false, splice: false } });
  const view = (entry: RecordEntry | undefined): RecordEntry | undefined => (entry === undefined ? undefined : { ...entry, etag: etagOf(entry) });
  // Translates a fake etag to the real one; malformed ones go through untouched, for core to refuse.
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

/** Uses the version as the etag, so a re-created key gets an old etag back. */
export function versionAsEtag(): RecordStore {
  return withFakeEtags((entry) => `v${String(entry.version)}`);
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
  return {
    ...delegate(inner),
    get: (request) => quietly(() => inner.get(request), undefined),
    put: (request) => quietly(() => inner.put(request), { version: 1, etag: 'accepted' }),
    delete: (request) => quietly(() => inner.delete(request), false),
    list: (request) => quietly(() => inner.list(request), { items: [] }),
    getMany: (request) => quietly(() => inner.getMany!(request), []),
    putMany: (request) => quietly(() => inner.putMany!(request), []),
    deleteMany: (request) => quietly(() => inner.deleteMany!(request), 0),
    spliceValue: (request) => quietly(() => inner.spliceValue!(request), { version: 1, etag: 'accepted' }),
  };
}

/** Lists keys in UTF-16 unit order (JavaScript's `<`), which differs from code point order. */
export function utf16Order(): RecordStore {
  return pagedBy((all, after, limit) => {
    const page = utf16Page(all, after, limit);
    return page.last === undefined ? { items: page.items } : { items: page.items, next: page.last };
  });
}

/** Derives the etag from key, version and content: a re-created record with the same content repeats it. */
export function contentEtag(): RecordStore {
  return withFakeEtags((entry) => createHash('sha256').update(JSON.stringify([entry.key, entry.version, entry.value])).digest('base64url'));
}

/**
 * spliceValue made of a read and a conditional put, with one flaw switched on. The memory store's
 * clock stands still during the put, so a kept TTL comes out to the millisecond it was.
 */
function spliceBy(flaw: { readonly lineBreaks?: boolean; readonly dropsTtl?: boolean; readonly ignoresIfMatch?: boolean }): RecordStore {
  let frozen: number | undefined;
  const inner = createMemoryRecordStore({ now: () => frozen ?? Date.now() });
  return {
    ...delegate(inner),
    async spliceValue(request: RecordSpliceRequest) {
      const { namespace, key, prefix, deleteCount, insert } = request;
      validateRecordSplice(request, { operation: 'records.spliceValue', namespace });
      const current = await inner.get({ namespace, key });
      const ifMatch = flaw.ignoresIfMatch ? current?.etag : request.ifMatch;
      if (current === undefined || typeof current.value !== 'string' || !current.value.startsWith(prefix)) {
        throw new StorageError(current === undefined ? 'PRECONDITION_FAILED' : 'INVALID_ARGUMENT', 'no such value');
      }
      const text = current.value.slice(prefix.length);
      const bytes = Buffer.from(text, 'base64');
      if (bytes.length < deleteCount || bytes.toString('base64') !== text) throw new StorageError('INVALID_ARGUMENT', 'too short');
      let encoded = Buffer.concat([insert, bytes.subarray(deleteCount)]).toString('base64');
      // What PostgreSQL's encode(…, 'base64') does: a line break every 76 characters.
      if (flaw.lineBreaks) encoded = encoded.replace(/.{76}(?=.)/g, '$&\n');
      frozen = Date.now();
      try {
        const ttl = flaw.dropsTtl || current.expiresAt === undefined ? {} : { ttlMs: current.expiresAt - frozen };
        return await inner.put({ namespace, key, value: prefix + encoded, ...(ifMatch === undefined ? {} : { ifMatch }), ...ttl });
      } finally {
        frozen = undefined;
      }
    },
  };
}

/** Splices like PostgreSQL's encode() without translate(): base64 broken into 76-character lines. */
export function spliceWithLineBreaks(): RecordStore {
  return spliceBy({ lineBreaks: true });
}

/** Splices by a put without a TTL: the record stops expiring. */
export function spliceDropsTtl(): RecordStore {
  return spliceBy({ dropsTtl: true });
}

/** Splices whatever version is there: the lost update again. */
export function spliceIgnoresIfMatch(): RecordStore {
  return spliceBy({ ignoresIfMatch: true });
}

/** The sound version of the above, to show the flaws alone make the kit fail. */
export function spliceByReadAndPut(): RecordStore {
  return spliceBy({});
}
