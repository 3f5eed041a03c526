import type { Readable } from 'node:stream';
import { StorageError } from '../errors/index.js';
import type { BlobAcl, BlobStore } from '../spi/index.js';
import type { Principal } from '../types/index.js';
import { scoped } from './record-collection.js';
import type { BlobCollection, BlobDownload } from './types.js';

function notFound(namespace: string, operation: string): StorageError {
  return new StorageError('NOT_FOUND', `no object with this key in namespace "${namespace}"`, { operation, namespace });
}

async function collect(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The facade handle of one blob namespace, over its layered store. */
export function createBlobCollection(namespace: string, store: BlobStore, defaultAcl: BlobAcl, principal?: Principal): BlobCollection {
  const bound = principal === undefined ? undefined : Object.freeze({ principal });
  async function get(key: string, options: Parameters<BlobCollection['get']>[1]): Promise<BlobDownload> {
    const object = await store.get({ ...scoped(options, principal, bound), namespace, key });
    if (object === undefined) throw notFound(namespace, 'blobs.get');
    return object;
  }
  return {
    namespace,
    async put(key, body, options) {
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      const acl = options?.acl ?? defaultAcl;
      return store.put({ ...scoped(options, principal, bound), namespace, key, body: bytes, ...(store.capabilities.acl ? { acl } : {}) });
    },
    get,
    async getBytes(key, options) {
      const object = await get(key, options);
      return collect(object.body);
    },
    async head(key, options) {
      const meta = await store.head({ ...scoped(options, principal, bound), namespace, key });
      if (meta === undefined) throw notFound(namespace, 'blobs.head');
      return meta;
    },
    async exists(key, options) {
      return (await store.head({ ...scoped(options, principal, bound), namespace, key })) !== undefined;
    },
    async delete(key, options) {
      return store.delete({ ...scoped(options, principal, bound), namespace, key });
    },
    async list(options) {
      return store.list({ ...scoped(options, principal, bound), namespace });
    },
    async presign(key, options) {
      if (!store.presign) {
        throw new StorageError('UNSUPPORTED', `adapter "${store.name}" of namespace "${namespace}" cannot presign URLs (capability "presign")`, {
          operation: 'blobs.presign',
          namespace,
          adapter: store.name,
        });
      }
      const who = options.principal ?? principal;
      return store.presign({
        namespace,
        key,
        method: options.method,
        expiresInSeconds: options.expiresInSeconds,
        ...(who === undefined ? {} : { principal: who }),
        ...(options.correlationId === undefined ? {} : { correlationId: options.correlationId }),
      });
    },
  };
}
