import type { BlobNamespaceConfig } from '../../config/index.js';
import type { BlobStore } from '../../spi/index.js';
import type { Layer } from '../layer.js';
import { CHECKSUM_METADATA_KEY, HashingStream, sha256Hex, verifyingStream } from './checksum.js';

/**
 * SHA-256 of every blob's plaintext, computed in the same pass that uploads it and stored as
 * metadata (handed to the adapter as trailing metadata, the digest of exactly the bytes it gets); every full read is verified as it streams and fails with CHECKSUM_MISMATCH at the end.
 * Range reads cannot be verified and are passed through. Encrypted namespaces get no digest at all
 * (a plaintext digest in clear metadata would leak the content of small objects): their frames'
 * AEAD tags authenticate every byte, full and range reads alike (docs/encryption.md).
 */
export const integrityBlobs: Layer<BlobStore, BlobNamespaceConfig> = (store, ctx) => {
  if (ctx.config.checksum !== 'sha256' || ctx.config.encryption !== undefined) return undefined;
  const where = { namespace: ctx.namespace, adapter: store.name };
  return {
    kind: 'blob',
    name: store.name,
    capabilities: store.capabilities,
    put(request) {
      if (request.body instanceof Uint8Array) {
        const digest = sha256Hex(request.body);
        const metadata = { ...request.metadata, [CHECKSUM_METADATA_KEY]: digest };
        const trailing = request.trailingMetadata;
        // Also as trailing metadata, like a streamed body's: the digest of exactly these bytes,
        // which an adapter may have the backend verify (S3: the signed payload hash).
        return store.put({ ...request, metadata, trailingMetadata: () => ({ ...trailing?.(), [CHECKSUM_METADATA_KEY]: digest }) });
      }
      const hashing = new HashingStream();
      request.body.once('error', (error) => hashing.destroy(error));
      const body = request.body.pipe(hashing);
      const trailing = request.trailingMetadata;
      return store.put({
        ...request,
        body,
        trailingMetadata: () => ({ ...trailing?.(), [CHECKSUM_METADATA_KEY]: hashing.digest() }),
      });
    },
    async get(request) {
      const object = await store.get(request);
      if (object === undefined || request.range !== undefined) return object;
      const expected = object.meta.metadata[CHECKSUM_METADATA_KEY];
      if (expected === undefined) return object;
      const verifying = verifyingStream(expected, where);
      object.body.once('error', (error) => verifying.destroy(error));
      return { ...object, body: object.body.pipe(verifying) };
    },
    head: (request) => store.head(request),
    delete: (request) => store.delete(request),
    list: (request) => store.list(request),
    ...(store.presign ? { presign: store.presign.bind(store) } : {}),
  };
};
