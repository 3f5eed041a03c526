import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNoopLogger, type LogEvent } from '@sanctum/storage-core';
import { createPostgresRecordStore, migrateUp, migrationStatus } from '../../src/index.js';
import { createClient } from '../../src/connection.js';
import { MIGRATIONS } from '../../src/migrations/catalog.js';
import { runMigrations } from '../../src/migrations/runner.js';
import { objectNames } from '../../src/names.js';
import { resolveOptions } from '../../src/options.js';
import { adminClient, databaseUrl, dropSchema, uniqueSchema, rejection } from './support.js';

interface ProcessResult {
  readonly ok: boolean;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly applied: number[];
}

/** Starts the fixture; resolves `ready` when it waits for the go file, `done` with its report. */
function migrateInChild(args: readonly string[]): { ready: Promise<void>; done: Promise<ProcessResult> } {
  const child = spawn(process.execPath, ['--conditions=@sanctum/source', '--import', 'tsx', fixture, ...args], { cwd: packageDir });
  let output = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.startsWith('ready\n')) markReady();
  });
  const done = new Promise<ProcessResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => {
      const line = output.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined) reject(new Error(`migration process printed no result: ${output}`));
      else resolve(JSON.parse(line) as ProcessResult);
    });
  });
  return { ready, done };
}
const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/migrate-process.ts', import.meta.url));

let url: string;
const schemas: string[] = [];

function freshSchema(tag: string): string {
  const schema = uniqueSchema(tag);
  schemas.push(schema);
  return schema;
}

async function history(schema: string): Promise<Array<{ id: number; name: string }>> {
  const admin = adminClient(url, 1);
  try {
    return await admin.unsafe(`select id, name from "${schema}".records_migrations order by id`);
  } finally {
    await admin.end();
  }
}

beforeAll(async () => {
  url = await databaseUrl();
});

afterAll(async () => {
  for (const schema of schemas) await dropSchema(url, schema);
});

describe('migrations', () => {
  it('two processes racing to migrate apply each migration once', async () => {
    const schema = freshSchema('race');
    const dir = mkdtempSync(join(tmpdir(), 'sanctum-race-'));
    const goFile = join(dir, 'go');
    try {
      const children = [migrateInChild([url, schema, goFile]), migrateInChild([url, schema, goFile])];
      await Promise.all(children.map((child) => child.ready));
      writeFileSync(goFile, 'go');
      const results = await Promise.all(children.map((child) => child.done));
      expect(results.every((r) => r.ok)).toBe(true);
      // They really raced: both were migrating at the same moment.
      expect(Math.max(...results.map((r) => r.startedAt))).toBeLessThan(Math.min(...results.map((r) => r.finishedAt)));
      expect(results.map((r) => r.applied).sort((a, b) => b.length - a.length)).toEqual([[1, 2, 3, 4], []]);
      expect(await history(schema)).toEqual([
        { id: 1, name: 'records-table' },
        { id: 2, name: 'put-many-guard' },
        { id: 3, name: 'worm-guard' },
        { id: 4, name: 'outbox-table' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('stores opening together with migrate on-start apply each migration once and all work', async () => {
    const schema = freshSchema('onstart');
    const stores = Array.from({ length: 4 }, () => createPostgresRecordStore({ url, schema, migrate: 'on-start', poolSize: 2 }));
    await Promise.all([...stores.map((store) => store.open!()), migrateUp({ url, schema })]);
    try {
      await Promise.all(stores.map((store, i) => store.put({ namespace: 'n', key: `k${String(i)}`, value: i })));
      expect((await stores[0]!.list({ namespace: 'n' })).items).toHaveLength(4);
    } finally {
      await Promise.all(stores.map((store) => store.close!()));
    }
    expect((await history(schema)).map((row) => row.id)).toEqual([1, 2, 3, 4]);
  });

  it('status and a dry run report pending migrations and change nothing', async () => {
    const schema = freshSchema('dry');
    const before = await migrationStatus({ url, schema });
    expect(before).toMatchObject({ current: false, applied: [], changed: [], unknown: [] });
    expect(before.pending.map((m) => m.id)).toEqual([1, 2, 3, 4]);
    const plan = await migrateUp({ url, schema }, { dryRun: true });
    expect(plan.dryRun).toBe(true);
    expect(plan.migrations.map((m) => m.name)).toEqual(['records-table', 'put-many-guard', 'worm-guard', 'outbox-table']);
    expect(plan.script).toContain(`CREATE TABLE "${schema}"."records"`);
    expect(plan.script).toContain(`INSERT INTO "${schema}"."records_migrations"`);
    expect((await migrationStatus({ url, schema })).pending).toHaveLength(4);
    const admin = adminClient(url, 1);
    try {
      expect(await admin`select 1 from pg_namespace where nspname = ${schema}`).toHaveLength(0);
    } finally {
      await admin.end();
    }
    const events: LogEvent[] = [];
    const applied = await migrateUp({ url, schema }, { logger: { log: (event) => events.push(event) } });
    expect(applied.migrations.map((m) => m.id)).toEqual([1, 2, 3, 4]);
    expect(events.map((event) => [event.event, event['id']])).toEqual([
      ['postgres.migration.applied', 1],
      ['postgres.migration.applied', 2],
      ['postgres.migration.applied', 3],
      ['postgres.migration.applied', 4],
    ]);
    expect(await migrateUp({ url, schema })).toEqual({ dryRun: false, migrations: [], script: '' });
    expect((await migrateUp({ url, schema }, { dryRun: true })).migrations).toEqual([]);
    const after = await migrationStatus({ url, schema });
    expect(after.current).toBe(true);
    expect(after.applied.map((m) => m.appliedAt instanceof Date)).toEqual([true, true, true, true]);
  });

  it('an edited applied migration is refused by migrateUp, status and open()', async () => {
    const schema = freshSchema('edited');
    await migrateUp({ url, schema });
    const options = resolveOptions({ url, schema });
    const client = createClient(options, createNoopLogger(), 1);
    try {
      // This package's copy of migration 1 differs from what the database applied.
      const edited = MIGRATIONS.map((m) => (m.id === 1 ? { ...m, sql: `${m.sql}\nCREATE INDEX ON {{table}} (updated_at);` } : m));
      const error = await rejection(runMigrations(client, objectNames(schema, 'records'), { migrations: [...edited, { id: 5, name: 'more', sql: 'SELECT 1' }] }));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('1 (records-table)');
      expect((await history(schema)).map((row) => row.id)).toEqual([1, 2, 3, 4]);
    } finally {
      await client.end();
    }
    const admin = adminClient(url, 1);
    try {
      await admin.unsafe(`update "${schema}".records_migrations set checksum = 'edited' where id = 2`);
    } finally {
      await admin.end();
    }
    const status = await migrationStatus({ url, schema });
    expect(status.current).toBe(false);
    expect(status.changed).toEqual([{ id: 2, name: 'put-many-guard', applied: 'edited', current: expect.any(String) }]);
    expect((await rejection(migrateUp({ url, schema }))).code).toBe('CONFIG_INVALID');
    expect((await rejection(migrateUp({ url, schema }, { dryRun: true }))).code).toBe('CONFIG_INVALID');
    for (const migrate of ['manual', 'on-start'] as const) {
      const store = createPostgresRecordStore({ url, schema, migrate });
      try {
        const error = await rejection(store.open!());
        expect(error.code).toBe('CONFIG_INVALID');
        expect(error.operation).toBe(migrate === 'manual' ? 'open' : 'migrations.up');
      } finally {
        await store.close!();
      }
    }
  });

  it('a failing migration rolls back and is not recorded; later migrations apply in order', async () => {
    const schema = freshSchema('broken');
    await migrateUp({ url, schema });
    const client = createClient(resolveOptions({ url, schema }), createNoopLogger(), 1);
    const names = objectNames(schema, 'records');
    try {
      const broken = [...MIGRATIONS, { id: 5, name: 'broken', sql: 'ALTER TABLE {{table}} ADD COLUMN extra int;\nSELECT no_such_function();' }];
      await expect(runMigrations(client, names, { migrations: broken })).rejects.toMatchObject({ code: '42883' });
      expect((await history(schema)).map((row) => row.id)).toEqual([1, 2, 3, 4]);
      const good = [...MIGRATIONS, { id: 5, name: 'extra', sql: 'ALTER TABLE {{table}} ADD COLUMN extra int;' }];
      expect((await runMigrations(client, names, { migrations: good })).migrations.map((m) => m.id)).toEqual([5]);
      expect((await history(schema)).map((row) => row.id)).toEqual([1, 2, 3, 4, 5]);
      // Migration 5 is unknown to this package: reported, not refused.
      const status = await migrationStatus({ url, schema });
      expect(status.current).toBe(true);
      expect(status.unknown.map((m) => m.id)).toEqual([5]);
    } finally {
      await client.end();
    }
  });

  it("open() in manual mode fails with UNAVAILABLE (not retryable) until the schema is migrated", async () => {
    const schema = freshSchema('manual');
    const store = createPostgresRecordStore({ url, schema });
    try {
      const error = await rejection(store.open!());
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.retryable).toBe(false);
      expect(error.details).toEqual({ pending: [1, 2, 3, 4] });
      await migrateUp({ url, schema });
      await store.open!();
      expect((await store.put({ namespace: 'n', key: 'k', value: 1 })).version).toBe(1);
    } finally {
      await store.close!();
    }
  });

  it('a custom table gets its own history, objects and lock', async () => {
    const schema = freshSchema('tables');
    await migrateUp({ url, schema, table: 'alpha' });
    await migrateUp({ url, schema, table: 'beta' });
    const alpha = createPostgresRecordStore({ url, schema, table: 'alpha' });
    const beta = createPostgresRecordStore({ url, schema, table: 'beta' });
    await alpha.open!();
    await beta.open!();
    try {
      await alpha.putMany!({ namespace: 'n', entries: [{ key: 'k', value: 'a' }] });
      expect(await beta.get({ namespace: 'n', key: 'k' })).toBeUndefined();
      expect((await alpha.get({ namespace: 'n', key: 'k' }))?.value).toBe('a');
    } finally {
      await alpha.close!();
      await beta.close!();
    }
  });
});
