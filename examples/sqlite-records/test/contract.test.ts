import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { recordStoreContract } from '@sanctum/storage-contract-tests';
import { createSqliteRecordStore } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-records-contract-'));
const filename = join(dir, 'records.db');
let removedByCleanup = 0;

recordStoreContract({
  runner: { describe, it },
  create: () => createSqliteRecordStore({ filename }),
  capabilities: { ttl: true, bulk: true, transactions: true },
  // Each test's namespace (and the ones it derives) is dropped through the adapter's own helper.
  cleanup: async (namespace) => {
    const store = createSqliteRecordStore({ filename });
    await store.open?.();
    try {
      removedByCleanup += await store.dropNamespace(namespace);
    } finally {
      await store.close?.();
    }
  },
});

describe('after the record contract suite', () => {
  it('left no record behind: the cleanup hook dropped every namespace the tests wrote', () => {
    const db = new Sqlite(filename, { readonly: true });
    try {
      const { rows } = db.prepare('SELECT count(*) AS rows FROM sanctum_records').get() as { rows: number };
      expect(rows).toBe(0);
    } finally {
      db.close();
    }
    expect(removedByCleanup).toBeGreaterThan(100);
  });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
