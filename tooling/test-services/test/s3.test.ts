import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import * as Minio from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { resolveService } from '../src/index.js';

// Resolved at load time: a missing service fails this file (with instructions), it never skips.
const info = await resolveService('s3');

const MiB = 1024 * 1024;

/** A stream of `size` random bytes made 1 MiB at a time, hashed as it is produced. */
function generated(size: number): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  let left = size;
  const stream = new Readable({
    highWaterMark: MiB,
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(MiB, left));
      left -= chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

describe('s3 (real server)', () => {
  let client: Minio.Client;
  const bucket = `smoke-${randomUUID()}`;

  beforeAll(async () => {
    client = new Minio.Client({
      endPoint: info.endPoint,
      port: info.port,
      useSSL: info.useSSL,
      accessKey: info.accessKey,
      secretKey: info.secretKey,
      region: info.region,
      pathStyle: true,
    });
    await client.makeBucket(bucket, info.region);
  });

  afterAll(async () => {
    if (client === undefined) return;
    const names: string[] = [];
    for await (const item of client.listObjectsV2(bucket, '', true)) if (item.name) names.push(item.name);
    if (names.length > 0) await client.removeObjects(bucket, names);
    await client.removeBucket(bucket);
  });

  it('rejects a request signed with the wrong secret (SigV4 is enforced)', async () => {
    const bad = new Minio.Client({
      endPoint: info.endPoint,
      port: info.port,
      useSSL: info.useSSL,
      accessKey: info.accessKey,
      secretKey: `${info.secretKey}-wrong`,
      region: info.region,
      pathStyle: true,
    });
    await expect(bad.bucketExists(bucket)).rejects.toBeDefined();
    await expect(bad.putObject(bucket, 'nope.txt', 'x')).rejects.toMatchObject({
      code: expect.stringMatching(/^(SignatureDoesNotMatch|AccessDenied)$/),
    });
  });

  it('uploads 70 MiB as a multipart upload from a stream and reads it back intact', async () => {
    const size = 70 * MiB + 123;
    const source = generated(size);
    await client.putObject(bucket, 'big.bin', source.stream, size, { 'Content-Type': 'application/octet-stream' });
    const expected = source.sha256();

    // minio's putObject returns an empty etag for multipart uploads against RGW; stat has the real one.
    const stat = await client.statObject(bucket, 'big.bin');
    expect(stat.size).toBe(size);
    expect(stat.etag).toMatch(/^[0-9a-f]{32}-\d+$/);
    expect(Number(stat.etag.split('-')[1])).toBeGreaterThanOrEqual(2);

    const hash = createHash('sha256');
    await pipeline(await client.getObject(bucket, 'big.bin'), hash);
    expect(hash.digest('hex')).toBe(expected);
  });

  it('rejects a PUT whose Content-MD5 does not match the body (BadDigest)', async () => {
    const body = Buffer.from(`integrity check ${randomUUID()}`);
    const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');

    // makeRequestAsync is the minio client's (internal) signed-request primitive: putObject has no
    // Content-MD5 option over plain HTTP.
    const ok = await client.makeRequestAsync(
      { method: 'PUT', bucketName: bucket, objectName: 'md5-ok.txt', headers: { 'Content-MD5': md5(body) } },
      body,
      [200],
    );
    ok.resume();

    await expect(
      client.makeRequestAsync(
        {
          method: 'PUT',
          bucketName: bucket,
          objectName: 'md5-bad.txt',
          headers: { 'Content-MD5': md5(Buffer.from('something else')) },
        },
        body,
        [200],
      ),
    ).rejects.toMatchObject({ code: 'BadDigest' });

    await expect(client.statObject(bucket, 'md5-bad.txt')).rejects.toMatchObject({ code: 'NotFound' });
    expect((await client.statObject(bucket, 'md5-ok.txt')).size).toBe(body.length);
  });
});
