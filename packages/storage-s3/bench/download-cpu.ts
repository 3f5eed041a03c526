/**
 * Client CPU per download of one object (default 256 MiB): the facade (SHA-256 verified while
 * streaming), the adapter's body piped through core's verifying Transform by hand (the same check,
 * to compare variants of it), the adapter alone, raw minio and the AWS SDK's GetObject — all five
 * reading the same object, so the server's layout of it is the same for every side. On a loaded 2-core machine wall time swings by ±40 % per round; CPU seconds per
 * download (user + system, this process) is what the client takes from the cores it shares with
 * the server, and varies far less. Interleaved rounds, rotating order; medians.
 * Run: node --conditions=@sanctum/source --import tsx bench/download-cpu.ts (under the bench lock).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { CHECKSUM_METADATA_KEY, createStorageClient } from '@sanctum/storage-core';
import { verifyingStream } from '../../storage-core/src/layers/integrity/checksum.js';
import { createS3BlobStore, s3Blobs } from '../src/index.js';
import { dataChunks } from '../test/fixtures/data.js';
import { awsSide } from './sides.js';
import { benchService, collectGarbage, dropBucket, median } from './support.js';

const MIB = 1024 * 1024;
const BYTES = Number(process.env['BENCH_MIB'] ?? 256) * MIB;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);

const { connection, raw } = await benchService();
const bucket = `bench-cpu-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
await raw.makeBucket(bucket, connection.region);
const options = { ...connection, bucket, prefix: 'f/' };
const storage = createStorageClient(
  { schemaVersion: 1, adapters: { s3: { use: 's3', options } }, namespaces: { bench: { kind: 'blob', adapter: 's3', checksum: 'sha256' } } },
  { adapters: [s3Blobs()] },
);
const store = createS3BlobStore(options);
const aws = awsSide(connection, bucket);

async function drain(body: AsyncIterable<unknown>): Promise<number> {
  let bytes = 0;
  for await (const chunk of body) bytes += (chunk as Buffer).byteLength;
  return bytes;
}

await storage.blobs('bench').put('obj.bin', Readable.from(dataChunks('cpu', BYTES)));
const expected = (await storage.blobs('bench').head('obj.bin'))!.metadata[CHECKSUM_METADATA_KEY]!;
const objectKey = `f/bench/obj.bin`;
const sides: Record<string, () => Promise<number>> = {
  facade: async () => drain((await storage.blobs('bench').get('obj.bin')).body),
  transform: async () => {
    const object = (await store.get({ namespace: 'bench', key: 'obj.bin' }))!;
    const verifying = verifyingStream(expected, { namespace: 'bench', adapter: 's3' });
    return drain(object.body.pipe(verifying));
  },
  adapter: async () => drain((await store.get({ namespace: 'bench', key: 'obj.bin' }))!.body),
  minio: async () => drain(await raw.getObject(bucket, objectKey)),
  aws: async () => drain((await aws.client.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey }))).Body as Readable),
};
const names = Object.keys(sides);
const cpu: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
const wall: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
for (let round = 0; round <= ROUNDS; round += 1) {
  const order = names.map((_, index) => names[(index + round) % names.length]!);
  for (const name of order) {
    const started = process.hrtime.bigint();
    const before = process.cpuUsage();
    const bytes = await sides[name]!();
    const used = process.cpuUsage(before);
    if (bytes !== BYTES) throw new Error(`${name} read ${String(bytes)} bytes`);
    if (round === 0) continue; // warm-up
    cpu[name]!.push((used.user + used.system) / 1e6);
    wall[name]!.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
}
console.log(`download of ${String(BYTES / MIB)} MiB, ${String(ROUNDS)} rounds: median CPU seconds (user+system) and wall seconds`);
for (const name of names) console.log(`${name.padEnd(10)} cpu ${median(cpu[name]!).toFixed(3)} s  wall ${median(wall[name]!).toFixed(3)} s`);
aws.client.destroy();
await store.close();
await storage.close();
await dropBucket(raw, bucket);
await collectGarbage();
