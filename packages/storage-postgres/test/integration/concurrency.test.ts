import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStorageError, type StorageError } from '@sanctum/storage-core';
import { createPostgresRecordStore, type PostgresRecordStore } from '../../src/index.js';
import { adminClient, migratedSchema, type TestSchema } from './support.js';

let db: TestSchema;

beforeAll(async () => {
  db = await migratedSchema('conc');
});

afterAll(async () => {
  await db?.drop();
});

async function withStore(poolSize: number, body: (store: PostgresRecordStore) => Promise<void>, extra: Parameters<TestSchema['options']>[0] = {}): Promise<void> {
  const store = createPostgresRecordStore(db.options({ poolSize, ...extra }));
  await store.open!();
  try {
    await body(store);
  } finally {
    await store.close!();
  }
}

describe('concurrent writers', () => {
  it('64 read-modify-write writers with ifMatch make exactly 1000 increments; every failed attempt is PRECONDITION_FAILED', async () => {
    await withStore(10, async (store) => {
      const namespace = 'counter';
      await store.put({ namespace, key: 'n', value: 0 });
      const total = 1000;
      const writers = 64;
      let claimed = 0;
      let succeeded = 0;
      const failures: unknown[] = [];
      const writer = async (): Promise<void> => {
        // Each writer takes increments from a shared budget until 1000 have been claimed.
        while (claimed < total) {
          claimed += 1;
          for (;;) {
            const entry = await store.get({ namespace, key: 'n' });
            try {
              await store.put({ namespace, key: 'n', value: (entry!.value as number) + 1, ifMatch: entry!.etag });
              succeeded += 1;
              break;
            } catch (error) {
              failures.push(error);
              if (!isStorageError(error, 'PRECONDITION_FAILED')) throw error;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: writers }, writer));
      const final = await store.get({ namespace, key: 'n' });
      expect(succeeded).toBe(total);
      expect(final?.value).toBe(total);
      expect(final?.version).toBe(total + 1);
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.every((error) => isStorageError(error, 'PRECONDITION_FAILED') && !(error as StorageError).retryable)).toBe(true);
    });
  }, 120_000);

  it.each([1, 4])('in-flight statements never exceed poolSize × pipelineDepth (%i), however many callers wait', async (pipelineDepth) => {
    const applicationName = `sanctum-bound-${String(process.pid)}-${String(pipelineDepth)}`;
    await withStore(3, async (store) => {
      const admin = adminClient(db.url, 1);
      try {
        let peak = 0;
        let done = false;
        const watcher = (async () => {
          while (!done) {
            const health = await store.health!();
            peak = Math.max(peak, health.details!['inFlight'] as number);
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
        })();
        await Promise.all(Array.from({ length: 200 }, (_, i) => store.put({ namespace: 'bound', key: `k${String(i % 20)}`, value: i })));
        done = true;
        await watcher;
        expect(peak).toBeGreaterThan(0);
        expect(peak).toBeLessThanOrEqual(3 * pipelineDepth);
        const [row] = await admin<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where application_name = ${applicationName}`;
        expect(row!.n).toBeGreaterThan(0);
        expect(row!.n).toBeLessThanOrEqual(3);
      } finally {
        await admin.end();
      }
    }, { applicationName, pipelineDepth });
  });

  it("putMany fails as a whole when a concurrent transaction creates one of its ifNoneMatch '*' keys", async () => {
    await withStore(4, async (store) => {
      const namespace = 'race';
      const admin = adminClient(db.url, 1);
      try {
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let inserted!: () => void;
        const insertedSignal = new Promise<void>((resolve) => (inserted = resolve));
        // Another session inserts `late` and keeps its transaction open: putMany's snapshot does not
        // see the row, its INSERT waits on the unique index, then finds the row committed.
        const other = admin.begin(async (tx) => {
          await tx.unsafe(
            `insert into "${db.schema}".records (namespace, key, value, version, etag) values ('race', 'late', '"theirs"', 1, 'their-etag')`,
          );
          inserted();
          await held;
        });
        await insertedSignal;
        const batch = store.putMany!({
          namespace,
          entries: [
            { key: 'early', value: 'mine' },
            { key: 'late', value: 'mine', ifNoneMatch: '*' },
          ],
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        release();
        await other;
        const error = await batch.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isStorageError(error, 'ALREADY_EXISTS')).toBe(true);
        expect((error as StorageError).details).toMatchObject({ entry: 1 });
        expect(await store.get({ namespace, key: 'early' })).toBeUndefined();
        expect((await store.get({ namespace, key: 'late' }))?.value).toBe('theirs');
      } finally {
        await admin.end();
      }
    });
  });
});
