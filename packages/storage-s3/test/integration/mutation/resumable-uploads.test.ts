import { CHECKSUM_METADATA_KEY } from '@sanctum/storage-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3Connection } from '../../../src/client.js';
import type { ResumableUploadState } from '../../../src/index.js';
import { dataChunks, dataSha256 } from '../../fixtures/data.js';
import { RUN_ID, collectGarbage, createStore, dropBucket, failure, incompleteUploads, makeBucket } from '../support.js';

// Pins what a caller of the resumable uploads sees against the rig's Ceph RGW: a fresh upload
// hashes while streaming (nothing read back), flush waits for onProgress, a failing onProgress is
// INTERNAL with its cause and where it happened, a failed part is retried only when the error is
// transient, a signal that fires while the upload is created stops it before any part, and the checks
// resumeUpload makes against the server (staging prefix, each part's ETag and size).

const MIB = 1024 * 1024;
const bucket = `${RUN_ID}-mresume`;

beforeAll(() => makeBucket(bucket));
afterAll(async () => {
  await dropBucket(bucket);
  // Freed now, not hours later: a mutation pass runs this file once per mutant (see resumable.test.ts).
  await collectGarbage();
});

/** A store of this file's bucket, closed after `body`. */
async function withStore(body: (store: ReturnType<typeof createStore>) => Promise<void>): Promise<void> {
  const store = createStore({ bucket, prefix: 'm/', partSize: 5 * MIB, parallelParts: 2 });
  try {
    await body(store);
  } finally {
    await store.close?.();
  }
}

/** Counts the adapter's GET requests for `objectName` until the returned function is called. */
function countGets(objectName: string): () => number {
  let gets = 0;
  const original = S3Connection.prototype.request;
  const spy = vi.spyOn(S3Connection.prototype, 'request').mockImplementation(function (this: S3Connection, request, ...rest) {
    if (request.method === 'GET' && request.objectName === objectName) gets += 1;
    return original.call(this, request, ...rest);
  });
  return () => {
    spy.mockRestore();
    return gets;
  };
}

describe('a resumable upload written in one process', () => {
  it('hashes while streaming, so completing reads nothing back; the result names the copy', async () => {
    await withStore(async (store) => {
      const upload = await store.createUpload({ namespace: 'media', key: 'fresh.bin' });
      const gets = countGets(upload.state.uploadKey);
      await upload.writeFrom(dataChunks('fresh', 6 * MIB));
      const result = await upload.complete();
      expect(gets()).toBe(0);
      expect(result).toEqual({ etag: result.etag, version: result.etag, size: 6 * MIB });
      const head = await store.head({ namespace: 'media', key: 'fresh.bin' });
      expect(head?.etag).toBe(result.etag);
      expect(head?.metadata[CHECKSUM_METADATA_KEY]).toBe(await dataSha256('fresh', 6 * MIB));
    });
  });

  it('flush resolves once onProgress has finished with the parts on the server', async () => {
    await withStore(async (store) => {
      const persisted: number[] = [];
      const upload = await store.createUpload({
        namespace: 'media',
        key: 'flushed.bin',
        onProgress: async (state) => {
          // A slow store of the state (a file, a database): flush must wait for it.
          await new Promise((resolve) => setTimeout(resolve, 50));
          persisted.push(state.bytes);
        },
      });
      await upload.writeFrom(dataChunks('flushed', 6 * MIB));
      await upload.flush();
      expect(persisted).toEqual([5 * MIB]);
      expect(upload.state.bytes).toBe(5 * MIB);
      expect(upload.state.parts.map((part) => [part.partNumber, part.size])).toEqual([[1, 5 * MIB]]);
      await upload.abort();
      expect(await incompleteUploads(bucket, 'm/')).toEqual([]);
    });
  });

  it('a failing onProgress is INTERNAL, caused by its error, from the upload of its namespace', async () => {
    await withStore(async (store) => {
      const cause = new Error('disk full');
      const upload = await store.createUpload({
        namespace: 'media',
        key: 'failing.bin',
        onProgress: () => {
          throw cause;
        },
      });
      await upload.writeFrom(dataChunks('failing', 6 * MIB));
      for (const error of [await failure(upload.flush()), await failure(upload.write(Buffer.from('x'))), await failure(upload.complete())]) {
        expect(error).toMatchObject({ code: 'INTERNAL', operation: 'blobs.upload', namespace: 'media' });
        expect(error.message).toBe('onProgress failed; the upload stays resumable from its last reported state');
        expect(error.cause).toBe(cause);
      }
      // The state reported before the failure is still valid: the upload resumes from it.
      const resumed = await store.resumeUpload(upload.state);
      expect(resumed.state.bytes).toBe(5 * MIB);
      await resumed.abort();
    });
  });
});

describe('a resumable upload that ends early', () => {
  it('a failing report of the last part stops complete before the object is published', async () => {
    await withStore(async (store) => {
      const upload = await store.createUpload({
        namespace: 'media',
        key: 'unreported.bin',
        // Fails after the parts are all on the server: complete must still wait for it.
        onProgress: async () => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          throw new Error('disk full');
        },
      });
      await upload.write(Buffer.from('one small part'));
      const error = await failure(upload.complete());
      expect(error).toMatchObject({ code: 'INTERNAL', message: 'onProgress failed; the upload stays resumable from its last reported state' });
      expect(await store.head({ namespace: 'media', key: 'unreported.bin' })).toBeUndefined();
      await upload.abort();
    });
  });

  it('after abort, writes are refused with UNAVAILABLE naming the abort', async () => {
    await withStore(async (store) => {
      const upload = await store.createUpload({ namespace: 'media', key: 'aborted.bin' });
      await upload.abort();
      const error = await failure(upload.write(Buffer.from('late')));
      expect(error).toMatchObject({ code: 'UNAVAILABLE', message: 'the upload was aborted', operation: 'blobs.upload', namespace: 'media' });
    });
  });
});

describe('a part that fails', () => {
  /** Fails the first `times` uploads of part 1 with `error`; returns how often part 1 was sent. */
  function failPartOne(error: Error, times: number): () => number {
    let tries = 0;
    const original = S3Connection.prototype.request;
    const spy = vi.spyOn(S3Connection.prototype, 'request').mockImplementation(function (this: S3Connection, request, ...rest) {
      if (request.method === 'PUT' && request.query?.startsWith('partNumber=1&') === true) {
        tries += 1;
        if (tries <= times) return Promise.reject(error);
      }
      return original.call(this, request, ...rest);
    });
    return () => {
      spy.mockRestore();
      return tries;
    };
  }

  it('is sent again after a transient error (a reset connection), and the upload completes', async () => {
    await withStore(async (store) => {
      const upload = await store.createUpload({ namespace: 'media', key: 'retried.bin' });
      const tries = failPartOne(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 1);
      await upload.write(Buffer.from('retried body'));
      const result = await upload.complete();
      expect(tries()).toBe(2);
      expect(result.size).toBe(12);
      const object = await store.get({ namespace: 'media', key: 'retried.bin' });
      const read: Buffer[] = [];
      for await (const chunk of object?.body ?? []) read.push(chunk as Buffer);
      expect(Buffer.concat(read).toString()).toBe('retried body');
    });
  });

  it('is not sent again after a permanent error: the upload fails with its code and stays resumable', async () => {
    await withStore(async (store) => {
      const upload = await store.createUpload({ namespace: 'media', key: 'denied.bin' });
      const tries = failPartOne(Object.assign(new Error('Access Denied'), { code: 'AccessDenied' }), 1);
      await upload.write(Buffer.from('denied body'));
      const error = await failure(upload.complete());
      expect(tries()).toBe(1);
      expect(error).toMatchObject({ code: 'ACCESS_DENIED', operation: 'blobs.upload', namespace: 'media' });
      expect(upload.state.parts).toEqual([]);
      const resumed = await store.resumeUpload(upload.state);
      await resumed.write(Buffer.from('denied body'));
      expect((await resumed.complete()).size).toBe(11);
    });
  });
});

describe('the signal of createUpload', () => {
  it('fired while the upload was being created: writes are refused with UNAVAILABLE, and abort (twice) removes the upload', async () => {
    await withStore(async (store) => {
      const controller = new AbortController();
      // The server is asked for an upload id first, and that request is not cut short (an id
      // nobody learns would leave an upload behind): the signal fires while it is on its way.
      const creating = store.createUpload({ namespace: 'media', key: 'pre-aborted.bin', signal: controller.signal });
      controller.abort();
      const upload = await creating;
      const error = await failure(upload.writeFrom(dataChunks('pre-aborted', 6 * MIB)));
      expect(error).toMatchObject({ code: 'UNAVAILABLE', namespace: 'media' });
      expect(upload.state.parts).toEqual([]);
      await upload.abort();
      await upload.abort();
      expect(await incompleteUploads(bucket, 'm/')).toEqual([]);
    });
  });
});

describe('resumeUpload checks the state against the server', () => {
  async function flushedState(store: ReturnType<typeof createStore>, key: string): Promise<ResumableUploadState> {
    const upload = await store.createUpload({ namespace: 'media', key });
    await upload.writeFrom(dataChunks(key, 6 * MIB));
    await upload.flush();
    return upload.state;
  }

  it('refuses an upload key outside this store\'s staging prefix', async () => {
    await withStore(async (store) => {
      const state = await flushedState(store, 'moved.bin');
      const error = await failure(store.resumeUpload({ ...state, uploadKey: state.uploadKey.replace('m/', 'elsewhere/') }));
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', operation: 'blobs.resumeUpload', namespace: 'media' });
      expect(error.message).toBe('the upload state belongs to another bucket or layout than this store is configured with');
      await (await store.resumeUpload(state)).abort();
    });
  });

  it('refuses a part whose size, or whose existence, the server does not confirm', async () => {
    await withStore(async (store) => {
      const state = await flushedState(store, 'parts.bin');
      const [part] = state.parts;
      if (part === undefined) throw new Error('expected one uploaded part');
      const resized = { ...state, parts: [{ ...part, size: part.size - 1 }], bytes: state.bytes - 1 };
      const invented = { ...state, parts: [part, { partNumber: 2, etag: part.etag, size: 1 }], bytes: state.bytes + 1 };
      for (const [tampered, partNumber] of [
        [resized, 1],
        [invented, 2],
      ] as const) {
        const error = await failure(store.resumeUpload(tampered));
        expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', namespace: 'media' });
        expect(error.message).toBe(`part ${String(partNumber)} of the upload state is not on the server as recorded`);
      }
      const resumed = await store.resumeUpload(state);
      await resumed.writeFrom(dataChunks('parts.bin', 6 * MIB, 5 * MIB));
      expect((await resumed.complete()).size).toBe(6 * MIB);
    });
  });
});
