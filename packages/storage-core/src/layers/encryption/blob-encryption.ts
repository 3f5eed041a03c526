import type { Readable } from 'node:stream';
import { StorageError } from '../../errors/index.js';
import type { BlobNamespaceConfig } from '../../config/index.js';
import type { BlobGetRequest, BlobMeta, BlobObject, BlobStore } from '../../spi/index.js';
import { DEFAULT_FRAME_BYTES, FrameOpener, FrameSealer, cipherSizeOf, frameRange, fullWindow, openFramedHeader, plainSizeOf, startFramed, type OpenedHeader } from '../../crypto/envelope.js';
import { decryptFailed, openMetadata, sealFrameParts, sealMetadata } from '../../crypto/envelope-format.js';
import type { Layer } from '../layer.js';
import { namespaceKeys } from './namespace-keys.js';

/** Metadata entry holding the envelope header (base64): the wrapped data key, key id, frame size. */
export const ENVELOPE_METADATA_KEY = 'sanctum-enc';
/** Metadata entry holding the user's metadata, sealed with the object's keys (base64). */
export const SEALED_METADATA_KEY = 'sanctum-enc-meta';

const INTERNAL = new Set([ENVELOPE_METADATA_KEY, SEALED_METADATA_KEY]);

/** Seals a whole in-memory body into frames, written into one buffer of the ciphertext's size. */
function sealWhole(seal: Awaited<ReturnType<typeof startFramed>>, body: Uint8Array): Buffer {
  const size = seal.frameSize;
  const out = Buffer.allocUnsafe(cipherSizeOf(body.byteLength, size));
  const full = Math.floor(body.byteLength / size);
  let at = 0;
  for (let i = 0; i <= full; i++) {
    const [sealed, tag] = sealFrameParts(seal.keys, seal.messageId, i, i === full, body.subarray(i * size, Math.min((i + 1) * size, body.byteLength)));
    at += sealed.copy(out, at);
    at += tag.copy(out, at);
  }
  return out;
}

/**
 * Envelope encryption of blobs (docs/encryption.md): the body is sealed in 64 KiB frames as it
 * streams (constant memory), the header (wrapped data key) and the sealed user metadata go to
 * metadata. Reads authenticate every frame; a range read fetches and opens only the frames it covers.
 * Keys and content type stay in the clear; presigned URLs are refused (they would bypass the layer).
 */
export const encryptBlobs: Layer<BlobStore, BlobNamespaceConfig> = (store, ctx) => {
  const config = ctx.config.encryption;
  if (config === undefined) return undefined;
  const { namespace } = ctx;
  const keys = namespaceKeys(namespace, config, ctx.runtime.keys);
  const where = { namespace, adapter: store.name };
  const withWhere = (error: unknown, operation: string) => (error instanceof StorageError ? error.withContext({ operation, ...where }) : error);

  async function opened(meta: BlobMeta): Promise<{ opened: OpenedHeader; meta: BlobMeta }> {
    const header = meta.metadata[ENVELOPE_METADATA_KEY];
    if (header === undefined) throw decryptFailed(`object has no ${ENVELOPE_METADATA_KEY} header (written unencrypted, or its metadata was replaced)`);
    const context = { namespace, key: meta.key };
    const open = await openFramedHeader(keys.provider, Buffer.from(header, 'base64'), context);
    const sealed = meta.metadata[SEALED_METADATA_KEY];
    const user = sealed === undefined ? {} : (JSON.parse(openMetadata(open.keys, open.header.messageId, Buffer.from(sealed, 'base64')).toString('utf8')) as Record<string, string>);
    const size = plainSizeOf(meta.size, open.header.frameSize);
    return { opened: open, meta: { ...meta, size, metadata: user } };
  }

  async function rangeGet(request: BlobGetRequest & { range: NonNullable<BlobGetRequest['range']> }): Promise<BlobObject | undefined> {
    // The frame layout needs the object's size and header first; the read is pinned to that ETag.
    for (let attempt = 0; ; attempt++) {
      const head = await store.head({ key: request.key, namespace: request.namespace, ...(request.signal ? { signal: request.signal } : {}) });
      if (head === undefined) return undefined;
      if (request.ifMatch !== undefined && request.ifMatch !== head.etag) {
        throw new StorageError('PRECONDITION_FAILED', 'the object changed: its ETag no longer matches ifMatch', { operation: 'blobs.get', ...where });
      }
      const { opened: open, meta } = await opened(head);
      const span = frameRange(meta.size, open.header.frameSize, request.range.start, request.range.end);
      try {
        const object = await store.get({
          ...request,
          range: { start: span.cipherStart, end: span.cipherEnd },
          ...(store.capabilities.conditionalRead ? { ifMatch: head.etag } : {}),
        });
        if (object === undefined) return undefined;
        const opener = new FrameOpener(open, span.window);
        object.body.once('error', (error) => opener.destroy(error));
        const end = request.range.start + span.window.take - 1;
        return { meta, body: object.body.pipe(opener), range: { start: request.range.start, end } };
      } catch (error) {
        // Overwritten between head and get: read again (the caller gave no ETag of their own).
        if (request.ifMatch === undefined && attempt < 2 && error instanceof StorageError && error.code === 'PRECONDITION_FAILED') continue;
        throw error;
      }
    }
  }

  return {
    async put(request) {
      const context = { namespace, key: request.key };
      const seal = await startFramed(keys.provider, await keys.keyIdFor(request.key), context);
      const metadata: Record<string, string> = { [ENVELOPE_METADATA_KEY]: seal.header.toString('base64') };
      if (request.metadata !== undefined && Object.keys(request.metadata).length > 0) {
        metadata[SEALED_METADATA_KEY] = sealMetadata(seal.keys, seal.messageId, Buffer.from(JSON.stringify(request.metadata))).toString('base64');
      }
      const { trailingMetadata: _ignored, metadata: _user, ...rest } = request;
      if (request.body instanceof Uint8Array) {
        const result = await store.put({ ...rest, metadata, body: sealWhole(seal, request.body), contentLength: cipherSizeOf(request.body.byteLength, seal.frameSize) });
        return { ...result, size: request.body.byteLength };
      }
      const sealer = new FrameSealer(seal);
      const source: Readable = request.body;
      source.once('error', (error) => sealer.destroy(error));
      const body = source.pipe(sealer);
      const result = await store.put({
        ...rest,
        metadata,
        body,
        ...(request.contentLength === undefined ? {} : { contentLength: cipherSizeOf(request.contentLength, seal.frameSize) }),
      });
      return { ...result, size: sealer.plainBytes };
    },
    async get(request) {
      try {
        if (request.range !== undefined) return await rangeGet({ ...request, range: request.range });
        const object = await store.get(request);
        if (object === undefined) return undefined;
        let open: Awaited<ReturnType<typeof opened>>;
        try {
          open = await opened(object.meta);
        } catch (error) {
          object.body.destroy();
          throw error;
        }
        const opener = new FrameOpener(open.opened, fullWindow(open.meta.size, open.opened.header.frameSize));
        object.body.once('error', (error) => opener.destroy(error));
        return { meta: open.meta, body: object.body.pipe(opener) };
      } catch (error) {
        throw withWhere(error, 'blobs.get');
      }
    },
    async head(request) {
      const meta = await store.head(request);
      try {
        return meta === undefined ? undefined : (await opened(meta)).meta;
      } catch (error) {
        throw withWhere(error, 'blobs.head');
      }
    },
    async list(request) {
      const page = await store.list(request);
      const items = page.items.map((meta) => {
        const metadata = Object.fromEntries(Object.entries(meta.metadata).filter(([name]) => !INTERNAL.has(name)));
        // Listings carry no header; every object is written with the default frame size.
        let size = meta.size;
        try {
          size = plainSizeOf(meta.size, DEFAULT_FRAME_BYTES);
        } catch {
          // Not an object this layer wrote: report its stored size.
        }
        return { ...meta, size, metadata };
      });
      return { ...page, items };
    },
    presign() {
      return Promise.reject(
        new StorageError('UNSUPPORTED', `namespace "${namespace}" is encrypted: a presigned URL would hand out or accept plaintext-free ciphertext that only this library can read; read and write through the client`, {
          operation: 'blobs.presign',
          ...where,
        }),
      );
    },
  };
};
