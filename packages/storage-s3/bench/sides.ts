import { GetObjectCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import type { Client } from 'minio';
import type { StorageClient } from '@sanctum/storage-core';
import { dataChunks } from '../test/fixtures/data.js';

/** One contestant of the throughput benchmark: how it uploads, downloads and removes an object. */
export interface Side {
  up(key: string, bytes: number): Promise<unknown>;
  /** Reads the whole object; resolves with its size. */
  down(key: string): Promise<number>;
  remove(key: string): Promise<unknown>;
}

/** Connection settings of the benchmark's S3 endpoint. */
export interface BenchConnection {
  readonly endPoint: string;
  readonly port?: number | undefined;
  readonly useSSL: boolean;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
}

async function drain(body: AsyncIterable<unknown>): Promise<number> {
  let bytes = 0;
  for await (const chunk of body) bytes += (chunk as Buffer).byteLength;
  return bytes;
}

const body = (key: string, bytes: number) => Readable.from(dataChunks(key, bytes));

/** The facade on `namespace` (default options of the s3 adapter). */
export function facadeSide(storage: StorageClient, namespace: string): Side {
  const blobs = storage.blobs(namespace);
  return {
    up: (key, bytes) => blobs.put(key, body(key, bytes), { contentType: 'application/octet-stream' }),
    down: async (key) => drain((await blobs.get(key)).body),
    remove: (key) => blobs.delete(key),
  };
}

/** The raw minio client: putObject with the size given, getObject. */
export function minioSide(raw: Client, bucket: string): Side {
  return {
    up: (key, bytes) => raw.putObject(bucket, `minio/${key}`, body(key, bytes), bytes, { 'content-type': 'application/octet-stream' }),
    down: async (key) => drain(await raw.getObject(bucket, `minio/${key}`)),
    remove: (key) => raw.removeObject(bucket, `minio/${key}`),
  };
}

/** The AWS SDK v3 with its defaults: lib-storage Upload (5 MiB parts, 4 at a time), GetObject. */
export function awsSide(connection: BenchConnection, bucket: string): { side: Side; client: S3Client } {
  const scheme = connection.useSSL ? 'https' : 'http';
  const client = new S3Client({
    endpoint: `${scheme}://${connection.endPoint}${connection.port === undefined ? '' : `:${String(connection.port)}`}`,
    region: connection.region,
    forcePathStyle: true,
    credentials: { accessKeyId: connection.accessKey, secretAccessKey: connection.secretKey },
    // Ceph RGW 16 knows neither the flexible checksum headers nor aws-chunked trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const side: Side = {
    up: (key, bytes) =>
      new Upload({ client, params: { Bucket: bucket, Key: `aws/${key}`, Body: body(key, bytes), ContentType: 'application/octet-stream' } }).done(),
    down: async (key) => {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `aws/${key}` }));
      return drain(response.Body as Readable);
    },
    remove: (key) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `aws/${key}` })),
  };
  return { side, client };
}
