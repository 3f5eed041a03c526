import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';
import { facadeGoldenSuite, recordStoreContract } from '@sanctum/storage-contract-tests';
import { createMemoryCacheStore } from '@sanctum/storage-cache-memory';
import { createPostgresRecordStore } from '../../src/index.js';
import { migratedSchema, type TestSchema } from './support.js';

let db: TestSchema;

beforeAll(async () => {
  db = await migratedSchema('contract');
});

afterAll(async () => {
  await db?.drop();
});

recordStoreContract({
  runner: { describe, it, beforeEach, afterEach },
  title: 'PostgreSQL RecordStore contract',
  capabilities: { ttl: true, bulk: true, transactions: true, splice: true },
  create: () => createPostgresRecordStore(db.options({ poolSize: 8 })),
  concurrentWriters: 32,
  listingSize: 150,
});

facadeGoldenSuite({
  runner: { describe, it, beforeEach, afterEach },
  title: 'Facade golden suite over PostgreSQL records',
  records: () => createPostgresRecordStore(db.options({ poolSize: 4 })),
  cache: () => createMemoryCacheStore(),
});
