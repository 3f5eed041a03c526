// Answers a real server gives only sometimes (AWS-style ETags, 200 responses carrying an error,
// missing headers, truncated listings, aborts that do not take), from a scripted HTTP server.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Readable } from 'node:stream';
import { isStorageError, type LogEvent } from '@sanctum/storage-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3BlobStore, type S3BlobStore, type S3StoreTuning } from '../../src/index.js';
import { dataChunks } from '../fixtures/data.js';

const MIB = 1024 * 1024;

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

interface Answer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

type Script = (request: Seen) => Answer;

const servers: Server[] = [];
const stores: S3BlobStore[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close?.();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

const xml = (body: string): Answer => ({ headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>${body}` });
const s3Error = (status: number, code: string): Answer => ({ status, ...xml(`<Error><Code>${code}</Code></Error>`) });

/** Starts a server answering with `script`; returns a store against it and what it saw. */
async function scripted(script: Script, options: Record<string, unknown> = {}, tuning: S3StoreTuning = {}) {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const entry = { method: request.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.searchParams, headers: request.headers, body: Buffer.concat(chunks) };
      seen.push(entry);
      const answer = script(entry);
      response.writeHead(answer.status ?? 200, answer.headers ?? {});
      response.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const store = createS3BlobStore(
    { endPoint: '127.0.0.1', port, useSSL: false, accessKey: 'a', secretKey: 'b', bucket: 'quirks', partSize: '5MiB', multipartThreshold: '1MiB', ...options },
    { partAttempts: 1, ...tuning },
  );
  stores.push(store);
  return { store, seen };
}

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (isStorageError(error) ? error.code : error),
  );
}

/** Routes the multipart calls; `overrides` replaces the answer of one of them. */
function multipart(overrides: Partial<Record<'initiate' | 'part' | 'complete' | 'abort' | 'listParts' | 'copy' | 'copyPart' | 'delete' | 'put', Answer>> = {}): Script {
  return (request) => {
    const { method, query, headers } = request;
    if (method === 'POST' && query.has('uploads')) return overrides.initiate ?? xml('<InitiateMultipartUploadResult><UploadId>u-1</UploadId></InitiateMultipartUploadResult>');
    if (method === 'PUT' && query.has('partNumber') && headers['x-amz-copy-source'] !== undefined) {
      return overrides.copyPart ?? xml('<CopyPartResult><ETag>"cafe"</ETag></CopyPartResult>');
    }
    if (method === 'PUT' && query.has('partNumber')) return overrides.part ?? { headers: { etag: `"${'a'.repeat(32)}"` } };
    if (method === 'POST' && query.has('uploadId')) return overrides.complete ?? xml('<CompleteMultipartUploadResult><ETag>&quot;aws-etag-2&quot;</ETag></CompleteMultipartUploadResult>');
    if (method === 'DELETE' && query.has('uploadId')) return overrides.abort ?? { status: 204 };
    if (method === 'GET' && query.has('uploadId')) return overrides.listParts ?? s3Error(404, 'NoSuchUpload');
    if (method === 'PUT' && headers['x-amz-copy-source'] !== undefined) return overrides.copy ?? xml('<CopyObjectResult><ETag>"copied"</ETag></CopyObjectResult>');
    if (method === 'DELETE') return overrides.delete ?? { status: 204 };
    if (method === 'PUT') return overrides.put ?? { headers: { etag: '"single"' } };
    if (method === 'HEAD') return { status: 200 };
    return s3Error(400, 'InvalidRequest');
  };
}

const stream = (bytes: number, seed = 'q') => Readable.from(dataChunks(seed, bytes));

describe('ETags', () => {
  it('uses the ETag CompleteMultipartUpload returns (AWS) and Content-MD5 when a part answer has none', async () => {
    const { store, seen } = await scripted(multipart({ part: {} }));
    const written = await store.put({ namespace: 'ns', key: 'k', body: stream(6 * MIB) });
    expect(written.etag).toBe('aws-etag-2');
    const complete = seen.find((request) => request.method === 'POST' && request.query.has('uploadId'));
    expect(complete?.body.toString()).toMatch(/<PartNumber>1<\/PartNumber><ETag>"[0-9a-f]{32}"<\/ETag>/);
  });

  it('falls back on the Content-MD5 for a single PUT answered without an ETag', async () => {
    const { store } = await scripted(multipart({ put: {} }));
    expect((await store.put({ namespace: 'ns', key: 'k', body: Buffer.from('abc') })).etag).toBe('900150983cd24fb0d6963f7d28e17f72');
  });

  it('fails with INTERNAL when the final ETag cannot be known', async () => {
    const noEtag = multipart({ part: { headers: { etag: '"not-md5"' } }, complete: xml('<CompleteMultipartUploadResult/>') });
    expect(await codeOf((await scripted(noEtag)).store.put({ namespace: 'ns', key: 'k', body: stream(6 * MIB) }))).toBe('INTERNAL');
    const copyWithout = multipart({ copy: xml('<CopyObjectResult/>') });
    const staged = (await scripted(copyWithout)).store.put({ namespace: 'ns', key: 'k', body: stream(6 * MIB), trailingMetadata: () => ({}) });
    expect(await codeOf(staged)).toBe('INTERNAL');
  });
});

describe('part retries', () => {
  it('a part that fails with a retryable error is sent again from its buffer; a refused one is not', async () => {
    let partCalls = 0;
    const base = multipart();
    const flaky: Script = (request) => {
      if (request.method === 'PUT' && request.query.has('partNumber')) {
        partCalls += 1;
        if (partCalls === 1) return s3Error(503, 'SlowDown');
      }
      return base(request);
    };
    const { store } = await scripted(flaky, {}, { partAttempts: 3 });
    expect((await store.put({ namespace: 'ns', key: 'k', body: stream(6 * MIB) })).etag).toBe('aws-etag-2');
    expect(partCalls).toBe(3); // part 1 twice, part 2 once

    let refusedCalls = 0;
    const refusing: Script = (request) => {
      if (request.method === 'PUT' && request.query.has('partNumber')) {
        refusedCalls += 1;
        return s3Error(403, 'AccessDenied');
      }
      return base(request);
    };
    const { store: denied } = await scripted(refusing, {}, { partAttempts: 3 });
    expect(await codeOf(denied.put({ namespace: 'ns', key: 'k', body: stream(6 * MIB) }))).toBe('ACCESS_DENIED');
    expect(refusedCalls).toBeLessThanOrEqual(2); // no retry: at most the two parts that were in flight
  });
});

describe('failures while publishing', () => {
  it('a CopyObject that answers 200 with an error body fails the put; a staging object that cannot be deleted is logged', async () => {
    const events: LogEvent[] = [];
    const { store, seen } = await scripted(
      multipart({ copy: xml('<Error><Code>InternalError</Code><Message>We encountered an internal error</Message></Error>'), delete: s3Error(403, 'AccessDenied') }),
      {},
      { logger: { log: (event) => events.push(event) } },
    );
    const error = await store.put({ namespace: 'ns', key: 'k', body: stream(6 * MIB), trailingMetadata: () => ({ x: 'y' }) }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', retryable: true, details: { s3Code: 'InternalError', status: 200 } });
    expect(events).toContainEqual(expect.objectContaining({ event: 's3.staging_cleanup_failed', level: 'warn', code: 'ACCESS_DENIED' }));
    expect(seen.filter((request) => request.method === 'DELETE' && request.path.includes('.sanctum-staging/'))).not.toHaveLength(0);
  });

  it('CreateMultipartUpload without an UploadId is a retryable server failure', async () => {
    const { store } = await scripted(multipart({ initiate: xml('<InitiateMultipartUploadResult/>') }));
    expect(await codeOf(store.put({ namespace: 'ns', key: 'k', body: stream(6 * MIB) }))).toBe('UNAVAILABLE');
  });

  it('keeps aborting while the server still lists the upload, and reports a failed abort', async () => {
    const { store, seen } = await scripted(multipart({ part: s3Error(403, 'AccessDenied'), listParts: xml('<ListPartsResult><IsTruncated>false</IsTruncated></ListPartsResult>') }));
    expect(await codeOf(store.put({ namespace: 'ns', key: 'k', body: stream(6 * MIB) }))).toBe('ACCESS_DENIED');
    expect(seen.filter((request) => request.method === 'DELETE' && request.query.has('uploadId'))).toHaveLength(3);

    const failingAbort = await scripted(multipart({ part: s3Error(403, 'AccessDenied'), abort: s3Error(403, 'AccessDenied') }));
    expect(await codeOf(failingAbort.store.put({ namespace: 'ns', key: 'k', body: stream(6 * MIB) }))).toBe('ACCESS_DENIED');
  });

  it('a failing UploadPartCopy aborts the multipart copy', async () => {
    const { store, seen } = await scripted(multipart({ copyPart: s3Error(500, 'InternalError') }), {}, { maxSingleCopyBytes: MIB });
    expect(await codeOf(store.put({ namespace: 'ns', key: 'k', body: stream(11 * MIB), trailingMetadata: () => ({}) }))).toBe('UNAVAILABLE');
    expect(seen.filter((request) => request.method === 'DELETE' && request.query.has('uploadId')).length).toBeGreaterThan(0);
    const { store: etagless } = await scripted(multipart({ copyPart: xml('<CopyPartResult/>'), complete: xml('<CompleteMultipartUploadResult><ETag>"done"</ETag></CompleteMultipartUploadResult>') }), {}, { maxSingleCopyBytes: MIB });
    expect((await etagless.put({ namespace: 'ns', key: 'k', body: stream(6 * MIB), trailingMetadata: () => ({}) })).etag).toBe('done');
  });

  it('a delete the server refuses after a successful HEAD is mapped', async () => {
    const { store } = await scripted(multipart({ delete: s3Error(403, 'AccessDenied') }));
    expect(await codeOf(store.delete({ namespace: 'ns', key: 'k' }))).toBe('ACCESS_DENIED');
  });

  it('an error without a code or request id maps by its status', async () => {
    const { store } = await scripted(() => ({ status: 409, body: 'not xml at all' }));
    const error = await store.get({ namespace: 'ns', key: 'k' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false, details: { s3Code: 'BadRequest', status: 409 } });
  });

  it('throttling and server errors are retryable, the S3 code read from their body', async () => {
    const { store } = await scripted(() => s3Error(503, 'SlowDown'));
    expect(await store.head({ namespace: 'ns', key: 'k' }).catch((caught: unknown) => caught)).toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
      details: { s3Code: 'SlowDown', status: 503 },
    });
    const { store: throttled } = await scripted(() => ({ status: 429 }));
    expect(await throttled.list({ namespace: 'ns' }).catch((caught: unknown) => caught)).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });
});

describe('bucket creation', () => {
  it('a bucket created concurrently by us is fine; one owned by someone else is CONFIG_INVALID', async () => {
    const script = (code: string): Script => (request) =>
      request.method === 'HEAD' ? { status: 404 } : request.method === 'PUT' && request.path === '/quirks' ? s3Error(409, code) : { status: 200 };
    const ours = await scripted(script('BucketAlreadyOwnedByYou'), { autoCreateBucket: true });
    await ours.store.open?.();
    const theirs = await scripted(script('BucketAlreadyExists'), { autoCreateBucket: true });
    expect(await codeOf(theirs.store.open!())).toBe('CONFIG_INVALID');
  });
});

describe('resumable uploads', () => {
  it('an upload whose publication failed can still be aborted, which removes the assembled staging object', async () => {
    const { store, seen } = await scripted(multipart({ copy: s3Error(500, 'InternalError') }));
    const upload = await store.createUpload({ namespace: 'ns', key: 'k' });
    await upload.writeFrom(dataChunks('r', 6 * MIB));
    expect(await codeOf(upload.complete())).toBe('UNAVAILABLE');
    await upload.abort();
    const deletes = seen.filter((request) => request.method === 'DELETE' && !request.query.has('uploadId'));
    expect(deletes.map((request) => request.path)).toEqual([expect.stringContaining('/quirks/.sanctum-staging/')]);
  });

  it('a resumed upload whose assembled object reads back short is INTERNAL, not published', async () => {
    const etag = 'a'.repeat(32);
    const base = multipart({
      listParts: xml(`<ListPartsResult><IsTruncated>false</IsTruncated><Part><PartNumber>1</PartNumber><ETag>"${etag}"</ETag><Size>${String(5 * MIB)}</Size><LastModified>2020-01-01T00:00:00.000Z</LastModified></Part></ListPartsResult>`),
    });
    const { store, seen } = await scripted((request) => (request.method === 'GET' && !request.query.has('uploadId') ? { body: 'short' } : base(request)));
    const upload = await store.createUpload({ namespace: 'ns', key: 'k' });
    await upload.writeFrom(dataChunks('r', 6 * MIB));
    await upload.flush();
    const resumed = await store.resumeUpload(upload.state);
    await resumed.writeFrom(dataChunks('r', 6 * MIB, 5 * MIB));
    expect(await codeOf(resumed.complete())).toBe('INTERNAL');
    expect(seen.some((request) => request.headers['x-amz-copy-source'] !== undefined)).toBe(false);
  });

  it('a publication without an ETag is INTERNAL', async () => {
    const { store } = await scripted(multipart({ copy: xml('<CopyObjectResult/>') }));
    const upload = await store.createUpload({ namespace: 'ns', key: 'k' });
    expect(await codeOf(upload.complete())).toBe('INTERNAL');
  });
});

describe('sweep', () => {
  it('follows truncated listings of uploads and staging objects', async () => {
    const old = '2000-01-01T00:00:00.000Z';
    const upload = (key: string, id: string) => `<Upload><Key>${key}</Key><UploadId>${id}</UploadId><Initiated>${old}</Initiated></Upload>`;
    const object = (key: string) => `<Contents><Key>${key}</Key><LastModified>${old}</LastModified><ETag>"e"</ETag><Size>1</Size></Contents>`;
    const { store } = await scripted((request) => {
      const { method, query } = request;
      if (method === 'GET' && query.has('uploads')) {
        return query.get('key-marker')
          ? xml(`<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>${upload('b', 'u2')}</ListMultipartUploadsResult>`)
          : xml(`<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>a</NextKeyMarker><NextUploadIdMarker>u1</NextUploadIdMarker>${upload('a', 'u1')}</ListMultipartUploadsResult>`);
      }
      if (method === 'GET' && query.get('list-type') === '2') {
        return query.get('continuation-token')
          ? xml(`<ListBucketResult><IsTruncated>false</IsTruncated>${object('.sanctum-staging/2')}</ListBucketResult>`)
          : xml(`<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t2</NextContinuationToken>${object('.sanctum-staging/1')}</ListBucketResult>`);
      }
      return { status: 204 };
    });
    expect(await store.sweepIncompleteUploads({ olderThanHours: 1 })).toEqual({ abortedUploads: 2, deletedStagingObjects: 2 });
  });
});

describe("the adapter's own S3 requests", () => {
  it('sweep decodes listed upload keys only when the server says it URL-encoded them', async () => {
    const old = '2000-01-01T00:00:00.000Z';
    const upload = (key: string, id: string) => `<Upload><Key>${key}</Key><UploadId>${id}</UploadId><Initiated>${old}</Initiated></Upload>`;
    const { store, seen } = await scripted((request) => {
      const { method, query } = request;
      if (method === 'GET' && query.has('uploads')) {
        // The first page encoded (as asked), the second not: `a%2Bb` must stay as it is there.
        return query.get('key-marker')
          ? xml(`<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>${upload('a%2Bb', 'u2')}</ListMultipartUploadsResult>`)
          : xml(
              `<ListMultipartUploadsResult><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><NextKeyMarker>x+y%2Bz</NextKeyMarker><NextUploadIdMarker>u1</NextUploadIdMarker>${upload('x+y%2Bz', 'u1')}</ListMultipartUploadsResult>`,
            );
      }
      if (method === 'GET') return xml('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>');
      return { status: 204 };
    });
    expect(await store.sweepIncompleteUploads({ olderThanHours: 1 })).toEqual({ abortedUploads: 2, deletedStagingObjects: 0 });
    const aborted = seen.filter((request) => request.method === 'DELETE').map((request) => [request.path, request.query.get('uploadId')]);
    expect(aborted).toEqual([
      ['/quirks/x y+z', 'u1'],
      ['/quirks/a%2Bb', 'u2'],
    ]);
    const second = seen.find((request) => request.query.has('key-marker'));
    expect([second?.query.get('key-marker'), second?.query.get('upload-id-marker')]).toEqual(['x y+z', 'u1']);
  });

  it('a health check without a bucket lists the buckets', async () => {
    const { store, seen } = await scripted(() => xml('<ListAllMyBucketsResult><Buckets><Bucket><Name>one</Name></Bucket></Buckets></ListAllMyBucketsResult>'), {
      bucket: undefined,
      bucketPerNamespace: true,
    });
    expect((await store.health?.())?.ok).toBe(true);
    expect(seen.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /']);
  });

  it('an account without buckets has none to sweep', async () => {
    const { store } = await scripted(() => xml('<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>'), { bucket: undefined, bucketPerNamespace: true, prefix: 'app-' });
    expect(await store.sweepIncompleteUploads({ olderThanHours: 1 })).toEqual({ abortedUploads: 0, deletedStagingObjects: 0 });
  });

  it('a missing bucket is created in the configured region with Object Lock, then checked for it', async () => {
    const { store, seen } = await scripted(
      (request) => {
        if (request.method === 'HEAD') return { status: 404 };
        if (request.query.has('object-lock')) return xml('<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>');
        return { status: 200 };
      },
      { autoCreateBucket: true, region: 'eu-central-1', objectLock: { mode: 'GOVERNANCE', retentionMs: 60_000 } },
    );
    await store.open?.();
    const created = seen.find((request) => request.method === 'PUT');
    expect(created?.headers['x-amz-bucket-object-lock-enabled']).toBe('true');
    expect(created?.body.toString()).toContain('<LocationConstraint>eu-central-1</LocationConstraint>');
    expect(created?.headers['authorization']).toContain('/eu-central-1/s3/aws4_request');
  });

  it('a resumed upload checks every page of its parts', async () => {
    const etag = 'a'.repeat(32);
    const part = (number: number) => `<Part><PartNumber>${String(number)}</PartNumber><ETag>"${etag}"</ETag><Size>${String(5 * MIB)}</Size></Part>`;
    const base = multipart();
    const { store, seen } = await scripted((request) => {
      if (request.method !== 'GET' || !request.query.has('uploadId')) return base(request);
      return request.query.get('part-number-marker') === '1'
        ? xml(`<ListPartsResult><IsTruncated>false</IsTruncated>${part(2)}</ListPartsResult>`)
        : xml(`<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>1</NextPartNumberMarker>${part(1)}</ListPartsResult>`);
    });
    const upload = await store.createUpload({ namespace: 'ns', key: 'k' });
    const state = { ...upload.state, parts: [1, 2].map((partNumber) => ({ partNumber, etag, size: 5 * MIB })), bytes: 10 * MIB };
    await store.resumeUpload(state);
    expect(seen.filter((request) => request.query.has('uploadId') && request.method === 'GET')).toHaveLength(2);
    // A part the server does not list makes the state unusable.
    const extra = { ...state, parts: [...state.parts, { partNumber: 3, etag, size: 5 * MIB }], bytes: 15 * MIB };
    expect(await codeOf(store.resumeUpload(extra))).toBe('INVALID_ARGUMENT');
  });
});
