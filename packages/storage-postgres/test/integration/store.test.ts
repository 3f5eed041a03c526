import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStorageError, type LogEvent } from '@sanctum/storage-core';
import type { RecordOperations } from '@sanctum/storage-core/spi';
import { createPostgresRecordStore, type PostgresRecordStore } from '../../src/index.js';
import { adminClient, migratedSchema, type TestSchema, rejection } from './support.js';

let db: TestSchema;
let store: PostgresRecordStore;

beforeAll(async () => {
  db = await migratedSchema('store');
  store = createPostgresRecordStore(db.options({ poolSize: 4 }));
  await store.open!();
});

afterAll(async () => {
  await store?.close!();
  await db?.drop();
});

async function rowCount(namespace: string): Promise<number> {
  const admin = adminClient(db.url, 1);
  try {
    const [row] = await admin.unsafe<Array<{ n: number }>>(`select count(*)::int as n from "${db.schema}".records where namespace = $1`, [namespace]);
    return row!.n;
  } finally {
    await admin.end();
  }
}

describe('health', () => {
  it('reports the pool, the bound and the server version', async () => {
    const health = await store.health!();
    expect(health.ok).toBe(true);
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    expect(health.details).toMatchObject({ poolSize: 4, inFlight: 0, waiting: 0, schema: db.schema, table: 'records' });
    expect(health.details!['serverVersion']).toMatch(/^\d+/);
  });
});

describe('signals', () => {
  it('a signal that never fires changes nothing', async () => {
    const signal = new AbortController().signal;
    await store.put({ namespace: 'signals', key: 'k', value: 1, signal });
    expect((await store.get({ namespace: 'signals', key: 'k', signal }))?.value).toBe(1);
    expect((await store.list({ namespace: 'signals', signal })).items).toHaveLength(1);
  });
});

describe('ttl', () => {
  it('expired rows are invisible at once, removed by writes and by sweepExpired in batches', async () => {
    const namespace = 'ttl-sweep';
    await store.putMany!({ namespace, entries: Array.from({ length: 25 }, (_, i) => ({ key: `e${String(i)}`, value: i, ttlMs: 50 })) });
    await store.put({ namespace, key: 'keep', value: 'x', ttlMs: 3_600_000 });
    await store.put({ namespace, key: 'forever', value: 'y' });
    const entry = await store.get({ namespace, key: 'keep' });
    expect(entry!.expiresAt).toBeGreaterThan(Date.now() + 3_500_000);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await store.get({ namespace, key: 'e0' })).toBeUndefined();
    expect(await store.getMany!({ namespace, keys: ['e1', 'keep'] })).toEqual([undefined, expect.objectContaining({ key: 'keep' })]);
    expect(await store.delete({ namespace, key: 'e2' })).toBe(false);
    expect(await store.deleteMany!({ namespace, keys: ['e3', 'e4', 'forever'] })).toBe(1);
    const recreated = await store.put({ namespace, key: 'e5', value: 'again' });
    expect(recreated.version).toBe(1);
    expect(await rowCount(namespace)).toBe(23); // 21 expired rows left, keep, e5
    expect(await store.sweepExpired({ batchSize: 7 })).toBeGreaterThanOrEqual(21);
    expect(await rowCount(namespace)).toBe(2);
    await expect(store.sweepExpired({ batchSize: 0 })).rejects.toSatisfy((e: unknown) => isStorageError(e, 'INVALID_ARGUMENT'));
  });

  it('the background sweeper runs every sweepIntervalMs and logs what it removed', async () => {
    const events: LogEvent[] = [];
    const sweeping = createPostgresRecordStore(db.options({ poolSize: 2, sweepIntervalMs: 40 }), { log: (event) => events.push(event) });
    await sweeping.open!();
    try {
      await sweeping.put({ namespace: 'ttl-bg', key: 'k', value: 1, ttlMs: 10 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await rowCount('ttl-bg')).toBe(0);
      expect(events.some((event) => event.event === 'postgres.sweep' && (event['deleted'] as number) >= 1)).toBe(true);
    } finally {
      await sweeping.close!();
    }
  });

  it('a failing background sweep is logged, not thrown', async () => {
    const isolated = await migratedSchema('sweepfail');
    const events: LogEvent[] = [];
    const sweeping = createPostgresRecordStore(isolated.options({ sweepIntervalMs: 30 }), { log: (event) => events.push(event) });
    await sweeping.open!();
    try {
      const admin = adminClient(isolated.url, 1);
      await admin.unsafe(`drop table "${isolated.schema}".records`);
      await admin.end();
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(events.find((event) => event.event === 'postgres.sweep.failed')).toMatchObject({ level: 'warn', code: 'UNAVAILABLE' });
    } finally {
      await sweeping.close!();
      await isolated.drop();
    }
  });

  it('refuses a TTL that is not a positive number', async () => {
    for (const ttlMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect((await rejection(store.put({ namespace: 'ttl-bad', key: 'k', value: 1, ttlMs }))).code).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('conditions', () => {
  it('refuses malformed conditions before any I/O', async () => {
    const put = (extra: object) => store.put({ namespace: 'cond', key: 'k', value: 1, ...extra });
    expect((await rejection(put({ ifMatch: 'x', ifNoneMatch: '*' }))).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(put({ ifNoneMatch: 'etag' }))).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(put({ ifMatch: '' }))).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(put({ ifMatch: 'bad\u0000etag' }))).code).toBe('PRECONDITION_FAILED');
    expect((await rejection(store.delete({ namespace: 'cond', key: 'k', ifMatch: 'bad\u0000etag' }))).code).toBe('PRECONDITION_FAILED');
    expect(await store.get({ namespace: 'cond', key: 'k' })).toBeUndefined();
  });
});

describe('bulk', () => {
  it('empty batches do no I/O; malformed ones are INVALID_ARGUMENT and write nothing', async () => {
    const namespace = 'bulk';
    expect(await store.getMany!({ namespace, keys: [] })).toEqual([]);
    expect(await store.putMany!({ namespace, entries: [] })).toEqual([]);
    expect(await store.deleteMany!({ namespace, keys: [] })).toBe(0);
    expect((await rejection(store.getMany!({ namespace, keys: 'a' as never }))).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(store.getMany!({ namespace, keys: ['a', ''] }))).details).toEqual({ field: 'keys[1]' });
    expect((await rejection(store.putMany!({ namespace, entries: {} as never }))).code).toBe('INVALID_ARGUMENT');
    const duplicate = await rejection(
      store.putMany!({
        namespace,
        entries: [
          { key: 'a', value: 1 },
          { key: 'a', value: 2 },
        ],
      }),
    );
    expect(duplicate).toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'entries[1].key' } });
    expect(await store.get({ namespace, key: 'a' })).toBeUndefined();
  });

  it('getMany answers a key asked for twice with two independent entries', async () => {
    await store.put({ namespace: 'bulk-dup', key: 'k', value: { n: 1 } });
    const [first, second] = await store.getMany!({ namespace: 'bulk-dup', keys: ['k', 'k'] });
    expect(second).toEqual(first);
    (first!.value as { n: number }).n = 2;
    expect(second!.value).toEqual({ n: 1 });
  });

  it('putMany handles values with quotes, braces, commas, NULL-looking text and TTLs in one statement', async () => {
    const namespace = 'bulk-escape';
    const values = ['{"a":1}', 'NULL', 'a,b', 'back\\slash "quoted"', '', { nested: ['x', null] }, null];
    const results = await store.putMany!({
      namespace,
      entries: values.map((value, i) => ({ key: `k,"${String(i)}"\\`, value, ...(i % 2 === 0 ? { ttlMs: 60_000 } : {}) })),
    });
    expect(results.map((r) => r.version)).toEqual(values.map(() => 1));
    const entries = await store.getMany!({ namespace, keys: values.map((_, i) => `k,"${String(i)}"\\`) });
    expect(entries.map((e) => e?.value)).toEqual(values);
    expect(entries.map((e) => e?.expiresAt !== undefined)).toEqual(values.map((_, i) => i % 2 === 0));
    const stale = results[0]!.etag;
    const second = await store.putMany!({ namespace, entries: [{ key: `k,"0"\\`, value: 'v2', ifMatch: stale }] });
    expect(second[0]!.version).toBe(2);
    const error = await rejection(store.putMany!({ namespace, entries: [{ key: 'new', value: 1 }, { key: `k,"0"\\`, value: 'v3', ifMatch: stale }] }));
    expect(error).toMatchObject({ code: 'PRECONDITION_FAILED', details: { sqlstate: 'SN412', entry: 1 } });
  });
});

describe('transactions', () => {
  it('a handle used after its transaction ended refuses to run', async () => {
    let leaked: RecordOperations | undefined;
    await store.transaction!(async (tx) => {
      leaked = tx;
    });
    const error = await rejection(leaked!.put({ namespace: 'tx', key: 'late', value: 1 }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(await store.get({ namespace: 'tx', key: 'late' })).toBeUndefined();
  });

  it("the work's own errors pass through unchanged; a swallowed statement failure still fails the transaction", async () => {
    const marker = new TypeError('mine');
    await expect(store.transaction!(async () => Promise.reject(marker))).rejects.toBe(marker);
    const error = await rejection(
      store.transaction!(async (tx) => {
        await tx.put({ namespace: 'tx', key: 'swallowed', value: 1 });
        await tx.put({ namespace: 'tx', key: 'nul', value: 'a\u0000b' }).catch(() => undefined);
        return 'finished';
      }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.operation).toBe('records.transaction');
    expect(await store.get({ namespace: 'tx', key: 'swallowed' })).toBeUndefined();
  });

  it('returns arrays and other values as the work resolved them, and honours signals inside', async () => {
    const result = await store.transaction!(async (tx) => {
      await tx.put({ namespace: 'tx', key: 'arr', value: [1, 2] });
      const aborted = await rejection(tx.get({ namespace: 'tx', key: 'arr', signal: AbortSignal.abort() }));
      expect(aborted.code).toBe('UNAVAILABLE');
      const entry = await tx.get({ namespace: 'tx', key: 'arr', signal: new AbortController().signal });
      return [entry?.value, 'x'];
    });
    expect(result).toEqual([[1, 2], 'x']);
  });

  it('transactions wait for a slot when the pool is busy and all complete', async () => {
    const small = createPostgresRecordStore(db.options({ poolSize: 1 }));
    await small.open!();
    try {
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          small.transaction!(async (tx) => {
            await tx.put({ namespace: 'tx-slots', key: `k${String(i)}`, value: i });
            return i;
          }),
        ),
      );
      expect(results).toEqual([0, 1, 2, 3, 4]);
      expect((await small.list({ namespace: 'tx-slots' })).items).toHaveLength(5);
    } finally {
      await small.close!();
    }
  });
});
