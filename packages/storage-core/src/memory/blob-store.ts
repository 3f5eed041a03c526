import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type {
  AdapterFactory,
  BlobCapabilities,
  BlobDeleteRequest,
  BlobGetRequest,
  BlobReplaceMetadataRequest,
  BlobHeadRequest,
  BlobListPage,
  BlobListRequest,
  BlobMeta,
  BlobObject,
  BlobPutRequest,
  BlobStore,
  BlobWriteResult,
  WriteConditions,
} from '../spi/index.js';
import { readBody } from './blob-body.js';
import { listBlobs } from './blob-list.js';
import { resolveRange } from './blob-range.js';
import { BlobTable, copyMeta, lowerCaseKeys } from './blob-table.js';
import { MEMORY_ADAPTER, memoryError, memoryWhere, throwIfAborted } from './errors.js';
import { assertKey, validateBlobDelete, validateBlobGet, validateBlobPut } from '../validation/index.js';
import { memoryBlobOptionsSchema, type MemoryBlobStoreOptions } from './options.js';

export type { MemoryBlobStoreOptions } from './options.js';

const CHUNK_BYTES = 64 * 1024;

/** A byte stream (not object mode) over a copy of the stored bytes, in chunks like a network read. */
function bodyOf(bytes: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.byteLength; offset += CHUNK_BYTES) chunks.push(bytes.subarray(offset, offset + CHUNK_BYTES));
  return Readable.from(chunks, { objectMode: false });
}

class MemoryBlobStore implements BlobStore {
  readonly kind = 'blob' as const;
  readonly name = MEMORY_ADAPTER;
  readonly capabilities: BlobCapabilities;
  readonly #tables = new Map<string, BlobTable>();
  readonly #maxObjectBytes: number | undefined;
  readonly #now: () => number;

  constructor(options: MemoryBlobStoreOptions) {
    const declared = options.capabilities ?? {};
    this.capabilities = Object.freeze({
      createOnly: declared.createOnly ?? true,
      compareAndSwap: declared.compareAndSwap ?? true,
      conditionalDelete: declared.conditionalDelete ?? true,
      conditionalRead: declared.conditionalRead ?? true,
      rangeRead: declared.rangeRead ?? true,
      delimiter: declared.delimiter ?? true,
      presign: false,
      acl: declared.acl ?? true,
    });
    this.#maxObjectBytes = options.maxObjectBytes;
    this.#now = options.now ?? Date.now;
  }

  async put(request: BlobPutRequest): Promise<BlobWriteResult> {
    const { namespace, key } = request;
    throwIfAborted(request.signal, 'blobs.put', namespace);
    validateBlobPut(request, memoryWhere('blobs.put', namespace));
    this.#checkConditions(request, 'blobs.put');
    if (request.acl !== undefined && !this.capabilities.acl) this.#unsupported('acl', 'blobs.put', namespace);
    // Fail fast before reading a body for nothing; the decisive check runs again right before the write.
    this.#checkWrite(request, this.#table(namespace).get(key)?.meta.etag);
    const bytes = await readBody(request.body, { ...request, maxObjectBytes: this.#maxObjectBytes });
    const metadata = { ...lowerCaseKeys(request.metadata), ...lowerCaseKeys(request.trailingMetadata?.()) };
    throwIfAborted(request.signal, 'blobs.put', namespace);

    const table = this.#table(namespace);
    this.#checkWrite(request, table.get(key)?.meta.etag);
    const meta: BlobMeta = {
      key,
      size: bytes.byteLength,
      etag: randomBytes(16).toString('hex'),
      version: randomUUID(),
      lastModified: new Date(this.#now()),
      ...(request.contentType === undefined ? {} : { contentType: request.contentType }),
      metadata,
    };
    table.set(key, { bytes, meta });
    return { version: meta.version, etag: meta.etag, size: meta.size };
  }

  async replaceMetadata(request: BlobReplaceMetadataRequest): Promise<BlobWriteResult> {
    const { namespace, key } = request;
    throwIfAborted(request.signal, 'blobs.replaceMetadata', namespace);
    const table = this.#table(namespace);
    const blob = table.get(key);
    if (blob === undefined) throw memoryError('NOT_FOUND', 'no object under this key', 'blobs.replaceMetadata', namespace);
    if (blob.meta.etag !== request.ifMatch) throw memoryError('PRECONDITION_FAILED', 'ifMatch does not match the current ETag', 'blobs.replaceMetadata', namespace);
    const { contentType: _old, ...rest } = blob.meta;
    const meta: BlobMeta = {
      ...rest,
      etag: randomBytes(16).toString('hex'),
      version: randomUUID(),
      lastModified: new Date(this.#now()),
      ...(request.contentType === undefined ? {} : { contentType: request.contentType }),
      metadata: lowerCaseKeys(request.metadata),
    };
    table.set(key, { bytes: blob.bytes, meta });
    return { version: meta.version, etag: meta.etag, size: meta.size };
  }

  async get(request: BlobGetRequest): Promise<BlobObject | undefined> {
    const { namespace, key } = request;
    throwIfAborted(request.signal, 'blobs.get', namespace);
    validateBlobGet(request, memoryWhere('blobs.get', namespace));
    if (request.ifMatch !== undefined && !this.capabilities.conditionalRead) this.#unsupported('conditionalRead', 'blobs.get', namespace);
    if (request.range !== undefined && !this.capabilities.rangeRead) this.#unsupported('rangeRead', 'blobs.get', namespace);
    const blob = this.#table(namespace).get(key);
    if (blob === undefined) return undefined;
    if (request.ifMatch !== undefined && request.ifMatch !== blob.meta.etag) {
      throw memoryError('PRECONDITION_FAILED', 'ifMatch does not match the current ETag', 'blobs.get', namespace);
    }
    const meta = copyMeta(blob.meta);
    if (request.range === undefined) return { meta, body: bodyOf(Buffer.from(blob.bytes)) };
    const range = resolveRange(request.range, blob.bytes.byteLength, namespace);
    const slice = Buffer.from(blob.bytes.subarray(range.start, range.end + 1));
    return { meta, body: bodyOf(slice), range };
  }

  async head(request: BlobHeadRequest): Promise<BlobMeta | undefined> {
    throwIfAborted(request.signal, 'blobs.head', request.namespace);
    assertKey(request.key, memoryWhere('blobs.head', request.namespace));
    const blob = this.#table(request.namespace).get(request.key);
    return blob === undefined ? undefined : copyMeta(blob.meta);
  }

  async delete(request: BlobDeleteRequest): Promise<boolean> {
    const { namespace, key } = request;
    throwIfAborted(request.signal, 'blobs.delete', namespace);
    validateBlobDelete(request, memoryWhere('blobs.delete', namespace));
    if (request.ifMatch !== undefined && !this.capabilities.conditionalDelete) this.#unsupported('conditionalDelete', 'blobs.delete', namespace);
    const table = this.#table(namespace);
    const current = table.get(key);
    if (request.ifMatch !== undefined && current?.meta.etag !== request.ifMatch) {
      throw memoryError('PRECONDITION_FAILED', 'ifMatch does not match the current ETag', 'blobs.delete', namespace);
    }
    return table.remove(key);
  }

  async list(request: BlobListRequest): Promise<BlobListPage> {
    throwIfAborted(request.signal, 'blobs.list', request.namespace);
    if (request.delimiter !== undefined && !this.capabilities.delimiter) this.#unsupported('delimiter', 'blobs.list', request.namespace);
    return listBlobs(this.#table(request.namespace), request);
  }

  #checkConditions(request: BlobPutRequest, operation: string): void {
    if (request.ifMatch === undefined && request.ifNoneMatch === undefined) return;
    if (request.ifNoneMatch !== undefined && !this.capabilities.createOnly) this.#unsupported('createOnly', operation, request.namespace);
    if (request.ifMatch !== undefined && !this.capabilities.compareAndSwap) this.#unsupported('compareAndSwap', operation, request.namespace);
    if (request.ifMatch !== undefined && request.ifNoneMatch !== undefined) {
      throw memoryError('INVALID_ARGUMENT', 'ifMatch and ifNoneMatch are mutually exclusive', operation, request.namespace);
    }
    if (request.ifNoneMatch !== undefined && request.ifNoneMatch !== '*') {
      throw memoryError('INVALID_ARGUMENT', "ifNoneMatch accepts only '*'", operation, request.namespace);
    }
  }

  #checkWrite(request: WriteConditions & { readonly namespace: string }, currentEtag: string | undefined): void {
    if (request.ifNoneMatch === '*' && currentEtag !== undefined) {
      throw memoryError('ALREADY_EXISTS', 'the key already exists', 'blobs.put', request.namespace);
    }
    if (request.ifMatch !== undefined && request.ifMatch !== currentEtag) {
      throw memoryError('PRECONDITION_FAILED', 'ifMatch does not match the current ETag', 'blobs.put', request.namespace);
    }
  }

  #unsupported(capability: keyof BlobCapabilities, operation: string, namespace: string): never {
    throw memoryError('UNSUPPORTED', `this store was created without the ${capability} capability`, operation, namespace);
  }

  #table(namespace: string): BlobTable {
    let table = this.#tables.get(namespace);
    if (table === undefined) {
      table = new BlobTable();
      this.#tables.set(namespace, table);
    }
    return table;
  }
}

/**
 * Creates an in-memory blob store: the reference semantics of the blob SPI. Bodies stream in and
 * out, every write gets a fresh random ETag and version, trailing metadata is stored with the
 * object, listings are keyset-paginated with common prefixes, and ranges are inclusive. Presigned
 * URLs are not supported (the capability is `false`).
 */
export function createMemoryBlobStore(options: MemoryBlobStoreOptions = {}): BlobStore {
  return new MemoryBlobStore(options);
}

/** Factory for `use: 'memory'` blob adapters. */
export function memoryBlobs(): AdapterFactory<BlobStore, MemoryBlobStoreOptions> {
  return {
    kind: 'blob',
    name: MEMORY_ADAPTER,
    optionsSchema: memoryBlobOptionsSchema,
    create: (options) => createMemoryBlobStore(options),
  };
}
