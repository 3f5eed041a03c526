import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The scan itself lives with core's tests so every adapter package runs the very same scenario.
import { leakScan, producedBy } from '../../../storage-core/test/support/leak-scan.js';
import { s3Blobs } from '../../src/index.js';
import { RUN_ID, connection, dropBucket, makeBucket } from './support.js';

const bucket = `${RUN_ID}-leak`;

beforeAll(() => makeBucket(bucket));
afterAll(() => dropBucket(bucket));

describe('leak scan over the S3 adapter', () => {
  const options = () => ({
    adapters: { s3: { use: 's3', options: { ...connection, bucket } } },
    factories: [s3Blobs()],
    blob: 's3',
    stream: null,
  });

  it('with redaction on: 0 hits', async () => {
    const hits = await leakScan({ ...options(), suffix: 'on', redaction: true });
    expect(producedBy(hits).errors).toBeGreaterThan(5);
    expect(hits).toEqual([]);
  });

  it('with redaction off the same scan finds the planted values', async () => {
    const hits = await leakScan({ ...options(), suffix: 'off', redaction: false });
    expect(new Set(hits.map((h) => h.planted))).toEqual(new Set(['key', 'failingKey', 'tenant', 'alice', 'mallory', 'secret']));
  });
});
