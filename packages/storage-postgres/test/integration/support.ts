import { isStorageError, type StorageError } from '@sanctum/storage-core';
import { randomBytes } from 'node:crypto';
import postgresJs, { type Sql } from 'postgres';
import { resolveService } from '@sanctum/test-services';
import { migrateUp, type PostgresRecordStoreOptions } from '../../src/index.js';

/** The URL of the real PostgreSQL; fails (never skips) when none is running. */
export async function databaseUrl(): Promise<string> {
  return (await resolveService('postgres')).url;
}

/** A schema name no other run uses, so reruns and parallel files never collide. */
export function uniqueSchema(tag: string): string {
  return `sanctum_t_${tag}_${randomBytes(4).toString('hex')}`;
}

/** A plain postgres.js client for set-up, inspection and provoking server errors. */
export function adminClient(url: string, max = 2): Sql {
  return postgresJs(url, { max, onnotice: () => undefined });
}

/** A migrated schema of its own, and how to drop it. */
export interface TestSchema {
  readonly url: string;
  readonly schema: string;
  /** Store options for this schema. */
  options(extra?: Partial<PostgresRecordStoreOptions>): PostgresRecordStoreOptions;
  drop(): Promise<void>;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const admin = adminClient(url, 1);
  try {
    await admin.unsafe(`drop schema if exists "${schema}" cascade`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** Creates and migrates a unique schema; `drop()` removes it. */
export async function migratedSchema(tag: string): Promise<TestSchema> {
  const url = await databaseUrl();
  const schema = uniqueSchema(tag);
  await migrateUp({ url, schema });
  return {
    url,
    schema,
    options: (extra = {}) => ({ url, schema, ...extra }) as PostgresRecordStoreOptions,
    drop: () => dropSchema(url, schema),
  };
}

/** The StorageError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isStorageError(error)) throw new Error(`expected a StorageError, got ${String(error)}`);
  return error;
}
