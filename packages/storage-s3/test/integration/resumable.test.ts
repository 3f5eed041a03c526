import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKSUM_METADATA_KEY, createStorageClient, isStorageError } from '@sanctum/storage-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3Connection } from '../../src/client.js';
import { s3Blobs, sweepIncompleteUploads, type ResumableUploadState, type S3BlobStore } from '../../src/index.js';
import { dataChunks, dataSha256, streamSha256 } from '../fixtures/data.js';
import { RUN_ID, collectGarbage, connection, createStore, dropBucket, incompleteUploads, makeBucket, rawClient } from './support.js';

const MIB = 1024 * 1024;
const bucket = `${RUN_ID}-resume`;
const options = { ...connection, bucket, prefix: 'r/', partSize: 5 * MIB, parallelParts: 3 };
const packageDir = fileURLToPath(new URL('../..', import.meta.url));
let workDir: string;
let store: S3BlobStore;

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (isStorageError(error) ? error.code : error),
  );
}

async function stagingKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const item of rawClient().listObjectsV2(bucket, 'r/.sanctum-staging/', true)) if (item.name) keys.push(item.name);
  return keys;
}

/** Counts GetObject requests for `objectName` from now on (the adapter's own connection, observed, not replaced). */
function countGets(objectName: string): () => number {
  let gets = 0;
  const original = S3Connection.prototype.request;
  const spy = vi.spyOn(S3Connection.prototype, 'request').mockImplementation(function (this: S3Connection, request, ...rest) {
    // Reads of the object's data only: ListParts is a GET on the same key, with `uploadId` in its query.
    if (request.method === 'GET' && request.objectName === objectName && request.query === undefined) gets += 1;
    return original.call(this, request, ...rest);
  });
  return () => {
    spy.mockRestore();
    return gets;
  };
}

beforeAll(async () => {
  await makeBucket(bucket);
  workDir = mkdtempSync(join(tmpdir(), 'sanctum-s3-resume-'));
  store = createStore({ bucket, prefix: 'r/', partSize: 5 * MIB, parallelParts: 3 });
  await store.open?.();
});

afterAll(async () => {
  await store.close?.();
  rmSync(workDir, { recursive: true, force: true });
  await dropBucket(bucket);
  // The file writes well over 100 MiB: freed now, not hours later, or a mutation pass (a run per mutant)
  // fills the rig's 2 GiB in-memory Ceph, which then blocks every write.
  await collectGarbage();
});

describe('resumable uploads', () => {
  it('an upload killed mid-way (SIGKILL) resumes from its persisted state to the same SHA-256', async () => {
    const size = 62 * MIB + 12_345;
    const stateFile = join(workDir, 'state.json');
    const child = spawn(process.execPath, ['--conditions=@sanctum/source', '--import', 'tsx', 'test/fixtures/upload-child.ts'], {
      cwd: packageDir,
      env: {
        ...process.env,
        UPLOAD_CHILD_CONFIG: JSON.stringify({ options, namespace: 'media', key: 'movie.bin', seed: 'resume', size, stateFile, killAfterParts: 4 }),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const [exitCode, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect({ exitCode, signal }).toEqual({ exitCode: null, signal: 'SIGKILL' });

    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as ResumableUploadState;
    expect(state.parts.length).toBeGreaterThanOrEqual(4);
    expect(state.bytes).toBe(state.parts.length * 5 * MIB);
    expect((await incompleteUploads(bucket)).map((upload) => upload.uploadId)).toContain(state.uploadId);
    expect(await store.head({ namespace: 'media', key: 'movie.bin' })).toBeUndefined();

    const reported: number[] = [];
    // The source's uploaded prefix is given again: hashed here, so nothing is read back.
    const stagingGets = countGets(state.uploadKey);
    const upload = await store.resumeUpload(state, { onProgress: (next) => void reported.push(next.bytes), prefix: dataChunks('resume', state.bytes) });
    expect(upload.state.bytes).toBe(state.bytes);
    await upload.writeFrom(dataChunks('resume', size, state.bytes));
    const result = await upload.complete();
    expect(stagingGets()).toBe(0);
    expect(result.size).toBe(size);
    expect(reported.at(-1)).toBe(size);

    const expected = await dataSha256('resume', size);
    const head = await store.head({ namespace: 'media', key: 'movie.bin' });
    expect(head?.metadata[CHECKSUM_METADATA_KEY]).toBe(expected);
    expect(head?.metadata['origin']).toBe('child');
    expect(head?.etag).toBe(result.etag);
    // Read through the facade: its integrity layer verifies the stored checksum while streaming.
    const storage = createStorageClient(
      { schemaVersion: 1, adapters: { s3: { use: 's3', options } }, namespaces: { media: { kind: 'blob', adapter: 's3' } } },
      { adapters: [s3Blobs()] },
    );
    try {
      const download = await storage.blobs('media').get('movie.bin');
      expect(await streamSha256(download.body)).toEqual({ sha256: expected, bytes: size });
    } finally {
      await storage.close();
    }
    expect(await incompleteUploads(bucket)).toEqual([]);
    expect(await stagingKeys()).toEqual([]);
  }, 120_000);

  it('a resumed upload without its prefix reads the assembled upload back once to hash it', async () => {
    const size = 12 * MIB + 7;
    const first = await store.createUpload({ namespace: 'media', key: 'readback.bin' });
    await first.writeFrom(dataChunks('readback', 10 * MIB));
    await first.flush();
    expect(first.state.bytes).toBe(10 * MIB);
    const stagingGets = countGets(first.state.uploadKey);
    const upload = await store.resumeUpload(JSON.parse(JSON.stringify(first.state)));
    await upload.writeFrom(dataChunks('readback', size, 10 * MIB));
    await upload.complete();
    expect(stagingGets()).toBe(1);
    const head = await store.head({ namespace: 'media', key: 'readback.bin' });
    expect(head?.metadata[CHECKSUM_METADATA_KEY]).toBe(await dataSha256('readback', size));
    await store.delete({ namespace: 'media', key: 'readback.bin' });
  });

  it('a prefix that differs from the uploaded parts or ends early is refused, and the upload stays resumable', async () => {
    const first = await store.createUpload({ namespace: 'media', key: 'changed.bin' });
    await first.writeFrom(dataChunks('changed', 10 * MIB));
    await first.flush();
    const state = first.state;
    const refused = async (prefix: AsyncIterable<Uint8Array>) => {
      const error = await store.resumeUpload(state, { prefix }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      return isStorageError(error) ? { code: error.code, field: error.details?.['field'], partNumber: error.details?.['partNumber'] } : error;
    };
    // The second part differs (the first MiB of another body spliced in at 5 MiB).
    async function* secondPartChanged() {
      let index = 0;
      for await (const chunk of dataChunks('changed', 10 * MIB)) {
        yield index === 5 ? Buffer.alloc(chunk.byteLength, 1) : chunk;
        index += 1;
      }
    }
    expect(await refused(secondPartChanged())).toEqual({ code: 'INVALID_ARGUMENT', field: 'prefix', partNumber: 2 });
    expect(await refused(dataChunks('changed', 7 * MIB))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'prefix' });
    // A longer source is read only up to the uploaded prefix; the upload then goes on as usual.
    const upload = await store.resumeUpload(state, { prefix: dataChunks('changed', 11 * MIB) });
    await upload.writeFrom(dataChunks('changed', 11 * MIB, 10 * MIB));
    await upload.complete();
    expect((await store.head({ namespace: 'media', key: 'changed.bin' }))?.metadata[CHECKSUM_METADATA_KEY]).toBe(await dataSha256('changed', 11 * MIB));
    await store.delete({ namespace: 'media', key: 'changed.bin' });
  });

  it('an upload written in one process hashes while streaming and reports contiguous progress', async () => {
    const states: ResumableUploadState[] = [];
    const upload = await store.createUpload({ namespace: 'media', key: 'Doc.TXT', contentType: 'text/plain', metadata: { Owner: 'ada' }, acl: 'private', onProgress: (state) => void states.push(state) });
    await upload.writeFrom(dataChunks('one-go', 11 * MIB));
    await upload.writeFrom((async function* () {
      yield 'tail';
    })());
    const result = await upload.complete();
    expect(result.size).toBe(11 * MIB + 4);
    // Parts may finish out of order; progress only ever reports a contiguous, growing prefix.
    expect(states.at(-1)?.parts.map((part) => part.partNumber)).toEqual([1, 2, 3]);
    for (const [index, state] of states.entries()) {
      expect(state.parts.map((part) => part.partNumber)).toEqual(Array.from({ length: state.parts.length }, (_, i) => i + 1));
      if (index > 0) expect(state.bytes).toBeGreaterThan(states[index - 1]!.bytes);
    }
    expect(JSON.parse(JSON.stringify(upload.state))).toEqual(upload.state);
    const head = await store.head({ namespace: 'media', key: 'Doc.TXT' });
    expect(head?.contentType).toBe('text/plain');
    expect(head?.metadata['owner']).toBe('ada');
    const object = await store.get({ namespace: 'media', key: 'Doc.TXT' });
    expect((await streamSha256(object!.body)).sha256).toBe(head?.metadata[CHECKSUM_METADATA_KEY]);
  });

  it('an empty resumable upload completes as an empty object', async () => {
    const upload = await store.createUpload({ namespace: 'media', key: 'empty' });
    const result = await upload.complete();
    expect(result.size).toBe(0);
    expect((await store.head({ namespace: 'media', key: 'empty' }))?.metadata[CHECKSUM_METADATA_KEY]).toBe(await dataSha256('x', 0));
    // Nothing is left to discard once published; abort is then a no-op.
    await upload.abort();
    expect(await store.head({ namespace: 'media', key: 'empty' })).toBeDefined();
  });

  it('abort discards the upload and every part on the server', async () => {
    const upload = await store.createUpload({ namespace: 'media', key: 'dropped' });
    await upload.writeFrom(dataChunks('dropped', 12 * MIB));
    await upload.abort();
    expect(await incompleteUploads(bucket)).toEqual([]);
    expect(await codeOf(store.resumeUpload(upload.state))).toBe('NOT_FOUND');
  });

  it('a state that is malformed, tampered with or from another layout is refused', async () => {
    const upload = await store.createUpload({ namespace: 'media', key: 'tampered' });
    await upload.writeFrom(dataChunks('tampered', 6 * MIB));
    await upload.flush();
    const state = upload.state;
    expect(state.parts).toHaveLength(1);
    expect(await codeOf(store.resumeUpload(null))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(store.resumeUpload({ ...state, format: 'other/1' }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(store.resumeUpload({ ...state, uploadId: '' }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(store.resumeUpload({ ...state, bytes: 1.5 }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(store.resumeUpload({ ...state, parts: [{ ...state.parts[0], partNumber: 2 }] }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(store.resumeUpload({ ...state, bytes: 7 }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(store.resumeUpload({ ...state, metadata: null }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(store.resumeUpload({ ...state, parts: [{ ...state.parts[0], etag: '0'.repeat(32) }] }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(store.resumeUpload({ ...state, bucket: 'another-bucket' }))).toBe('INVALID_ARGUMENT');
    await upload.abort();
  });

  it('a failing onProgress stops the upload with INTERNAL and leaves it resumable', async () => {
    let calls = 0;
    const upload = await store.createUpload({
      namespace: 'media',
      key: 'progress-fails',
      onProgress: () => {
        calls += 1;
        throw new Error('disk full');
      },
    });
    const outcome = await codeOf(upload.writeFrom(dataChunks('pf', 30 * MIB)));
    expect(outcome).toBe('INTERNAL');
    expect(calls).toBe(1);
    expect(await codeOf(upload.complete())).toBe('INTERNAL');
    expect(await codeOf(upload.flush())).toBe('INTERNAL');
    const resumed = await store.resumeUpload(upload.state);
    await resumed.abort();
  });

  it('the signal of createUpload cancels in-flight parts; the upload can still be aborted', async () => {
    const controller = new AbortController();
    const upload = await store.createUpload({ namespace: 'media', key: 'cancelled', signal: controller.signal });
    const writing = codeOf(upload.writeFrom(dataChunks('cancel', 40 * MIB)));
    setTimeout(() => controller.abort(), 30);
    expect(await writing).toBe('UNAVAILABLE');
    await upload.abort();
    expect(await incompleteUploads(bucket)).toEqual([]);
  });
});

describe('sweepIncompleteUploads', () => {
  it('aborts incomplete uploads and deletes staging objects older than the cutoff, and only those', async () => {
    const stale = await store.createUpload({ namespace: 'media', key: 'stale' });
    await stale.writeFrom(dataChunks('stale', 6 * MIB));
    // An upload assembled but never published, as a crash between the two steps would leave it.
    await rawClient().putObject(bucket, 'r/.sanctum-staging/orphan', Buffer.from('orphan'));
    expect(await sweepIncompleteUploads(store, { olderThanHours: 1 })).toEqual({ abortedUploads: 0, deletedStagingObjects: 0 });
    const later = () => Date.now() + 2 * 3_600_000;
    expect(await sweepIncompleteUploads(store, { olderThanHours: 1, now: later })).toEqual({ abortedUploads: 1, deletedStagingObjects: 1 });
    expect(await incompleteUploads(bucket)).toEqual([]);
    expect(await stagingKeys()).toEqual([]);
    expect(await codeOf(sweepIncompleteUploads(store, { olderThanHours: -1 }))).toBe('INVALID_ARGUMENT');
  });

  it('sweeps named namespaces, and the buckets of a bucket-per-namespace store', async () => {
    const prefix = `${RUN_ID}-sw-`;
    const perNamespace = createStore({ bucketPerNamespace: true, prefix, autoCreateBucket: true, partSize: 5 * MIB });
    try {
      const upload = await perNamespace.createUpload({ namespace: 'alpha', key: 'k' });
      await upload.writeFrom(dataChunks('alpha', 6 * MIB));
      const named = await perNamespace.sweepIncompleteUploads({ olderThanHours: 0, namespaces: ['alpha'], now: () => Date.now() + 60_000 });
      expect(named.abortedUploads).toBe(1);
      const again = await perNamespace.createUpload({ namespace: 'alpha', key: 'k2' });
      await again.writeFrom(dataChunks('alpha', 6 * MIB));
      expect((await perNamespace.sweepIncompleteUploads({ olderThanHours: 0, now: () => Date.now() + 60_000 })).abortedUploads).toBe(1);
      const noPrefix = createStore({ bucketPerNamespace: true });
      expect(await codeOf(noPrefix.sweepIncompleteUploads({ olderThanHours: 1 }))).toBe('INVALID_ARGUMENT');
      await noPrefix.close?.();
      const shared = await store.createUpload({ namespace: 'media', key: 'named' });
      await shared.writeFrom(dataChunks('named', 6 * MIB));
      expect((await store.sweepIncompleteUploads({ olderThanHours: 0, namespaces: ['media'], now: () => Date.now() + 60_000 })).abortedUploads).toBe(1);
    } finally {
      await perNamespace.close?.();
      await dropBucket(`${prefix}alpha`);
    }
  });
});
