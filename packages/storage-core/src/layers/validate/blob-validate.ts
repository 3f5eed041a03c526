import { Transform } from 'node:stream';
import { StorageError } from '../../errors/index.js';
import type { BlobNamespaceConfig } from '../../config/index.js';
import type { BlobPutRequest, BlobStore } from '../../spi/index.js';
import type { Layer } from '../layer.js';
import { assertConditions, assertLimit, assertValidKey } from './keys.js';

const RESERVED_METADATA_PREFIX = 'sanctum-';
const METADATA_KEY = /^[a-z0-9][a-z0-9-]*$/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

function assertMetadata(metadata: BlobPutRequest['metadata'], where: { operation: string; namespace: string }): void {
  if (metadata === undefined) return;
  for (const [name, value] of Object.entries(metadata)) {
    if (!METADATA_KEY.test(name)) {
      throw new StorageError('INVALID_ARGUMENT', `metadata key "${name}" must be lower-case letters, digits and "-"`, {
        ...where,
        details: { field: `metadata.${name}` },
      });
    }
    if (name.startsWith(RESERVED_METADATA_PREFIX)) {
      throw new StorageError('INVALID_ARGUMENT', `metadata keys starting with "${RESERVED_METADATA_PREFIX}" are reserved for the library`, {
        ...where,
        details: { field: `metadata.${name}` },
      });
    }
    if (typeof value !== 'string' || CONTROL.test(value)) {
      throw new StorageError('INVALID_ARGUMENT', `metadata "${name}" must be a string without control characters`, {
        ...where,
        details: { field: `metadata.${name}` },
      });
    }
  }
}

function tooLarge(size: number, max: number, where: { operation: string; namespace: string }): StorageError {
  return new StorageError('PAYLOAD_TOO_LARGE', `object is ${size}+ bytes; this namespace accepts at most ${max}`, {
    ...where,
    details: { field: 'body', maxBytes: max },
  });
}

/** A pass-through that fails the stream (and so the upload) once more than `max` bytes went by. */
function limitStream(max: number, where: { operation: string; namespace: string }): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      callback(seen > max ? tooLarge(seen, max, where) : null, chunk);
    },
  });
}

/** Rejects malformed blob requests before any I/O and bounds object size when configured. */
export const validateBlobs: Layer<BlobStore, BlobNamespaceConfig> = (store, { namespace, config }) => {
  const maxKey = config.maxKeyBytes;
  const maxObject = config.maxObjectBytes;
  const at = (operation: string) => ({ operation, namespace });
  const validated: BlobStore = {
    kind: 'blob',
    name: store.name,
    capabilities: store.capabilities,
    put(request) {
      const where = at('blobs.put');
      assertValidKey(request.key, maxKey, where);
      assertConditions(request, where);
      assertMetadata(request.metadata, where);
      if (maxObject === undefined) return store.put(request);
      const declared = request.contentLength ?? (request.body instanceof Uint8Array ? request.body.byteLength : undefined);
      if (declared !== undefined && declared > maxObject) throw tooLarge(declared, maxObject, where);
      if (request.body instanceof Uint8Array) return store.put(request);
      const limited = request.body.pipe(limitStream(maxObject, where));
      request.body.once('error', (error) => limited.destroy(error));
      return store.put({ ...request, body: limited });
    },
    get(request) {
      const where = at('blobs.get');
      assertValidKey(request.key, maxKey, where);
      assertConditions(request, where);
      const range = request.range;
      if (range !== undefined) {
        const ok =
          Number.isInteger(range.start) &&
          range.start >= 0 &&
          (range.end === undefined || (Number.isInteger(range.end) && range.end >= range.start));
        if (!ok) {
          throw new StorageError('INVALID_ARGUMENT', 'range needs an integer start ≥ 0 and an optional integer end ≥ start (inclusive)', {
            ...where,
            details: { field: 'range' },
          });
        }
      }
      return store.get(request);
    },
    head(request) {
      assertValidKey(request.key, maxKey, at('blobs.head'));
      return store.head(request);
    },
    delete(request) {
      const where = at('blobs.delete');
      assertValidKey(request.key, maxKey, where);
      assertConditions(request, where);
      return store.delete(request);
    },
    list(request) {
      const where = at('blobs.list');
      assertLimit(request.limit, 1000, where);
      if (request.prefix !== undefined && request.prefix !== '') assertValidKey(request.prefix, maxKey, where, 'prefix');
      return store.list(request);
    },
  };
  if (store.presign) {
    const presign = store.presign.bind(store);
    validated.presign = (request) => {
      const where = at('blobs.presign');
      assertValidKey(request.key, maxKey, where);
      const seconds = request.expiresInSeconds;
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 604_800) {
        throw new StorageError('INVALID_ARGUMENT', `expiresInSeconds must be an integer from 1 to 604800 (7 days), got ${String(seconds)}`, {
          ...where,
          details: { field: 'expiresInSeconds' },
        });
      }
      if (request.method !== 'GET' && request.method !== 'PUT') {
        throw new StorageError('INVALID_ARGUMENT', `method must be GET or PUT, got ${String(request.method)}`, {
          ...where,
          details: { field: 'method' },
        });
      }
      return presign(request);
    };
  }
  return validated;
};
