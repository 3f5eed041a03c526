import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The scan itself lives with core's tests so every adapter package runs the very same scenario.
import { leakScan, producedBy } from '../../../storage-core/test/support/leak-scan.js';
import { postgresRecords } from '../../src/index.js';
import { migratedSchema, type TestSchema } from './support.js';

let db: TestSchema;

beforeAll(async () => {
  db = await migratedSchema('leak');
});

afterAll(async () => {
  await db?.drop();
});

describe('leak scan over the PostgreSQL adapter', () => {
  const options = () => ({
    adapters: { pg: { use: 'postgres', options: { url: db.url, schema: db.schema, poolSize: 2 } } },
    factories: [postgresRecords()],
    record: 'pg',
  });

  it('with redaction on: 0 hits in logs, spans, metrics, audit events, errors and dead-letter headers', async () => {
    const hits = await leakScan({ ...options(), suffix: 'on', redaction: true });
    expect(producedBy(hits).errors).toBeGreaterThan(5);
    expect(producedBy(hits).deadLetters).toBe(1);
    expect(hits).toEqual([]);
  });

  it('with redaction off the same scan finds the planted values', async () => {
    const hits = await leakScan({ ...options(), suffix: 'off', redaction: false });
    const found = new Set(hits.map((h) => h.planted));
    for (const planted of ['key', 'failingKey', 'ssn', 'alice', 'mallory', 'secret'] as const) expect(found).toContain(planted);
  });
});
