import { Transform } from 'node:stream';
import { StorageError } from '../../errors/index.js';
import type { BlobNamespaceConfig } from '../../config/index.js';
import type { BlobStore } from '../../spi/index.js';
import type { Layer } from '../layer.js';
import { assertKey, assertUserMetadata, validateBlobDelete, validateBlobGet, validateBlobList, validateBlobPresign, validateBlobPut } from '../../validation/index.js';

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

/** Rejects malformed blob requests before any I/O and bounds object size when configured (kernel form: absent methods stay absent). */
export const validateBlobs: Layer<BlobStore, BlobNamespaceConfig> = (store, { namespace, config }) => {
  const maxKey = config.maxKeyBytes;
  const maxObject = config.maxObjectBytes;
  const at = (operation: string) => ({ operation, namespace });
  const limits = { maxKeyBytes: maxKey };
  return {
    put(request) {
      const where = at('blobs.put');
      validateBlobPut(request, where, limits);
      assertUserMetadata(request.metadata, where);
      if (maxObject === undefined) return store.put(request);
      const declared = request.contentLength ?? (request.body instanceof Uint8Array ? request.body.byteLength : undefined);
      if (declared !== undefined && declared > maxObject) throw tooLarge(declared, maxObject, where);
      if (request.body instanceof Uint8Array) return store.put(request);
      const limited = request.body.pipe(limitStream(maxObject, where));
      request.body.once('error', (error) => limited.destroy(error));
      return store.put({ ...request, body: limited });
    },
    get(request) {
      validateBlobGet(request, at('blobs.get'), limits);
      return store.get(request);
    },
    head(request) {
      assertKey(request.key, at('blobs.head'), maxKey);
      return store.head(request);
    },
    delete(request) {
      validateBlobDelete(request, at('blobs.delete'), limits);
      return store.delete(request);
    },
    list(request) {
      validateBlobList(request, at('blobs.list'), limits);
      return store.list(request);
    },
    presign(request) {
      validateBlobPresign(request, at('blobs.presign'), limits);
      return store.presign!(request);
    },
  };
};
