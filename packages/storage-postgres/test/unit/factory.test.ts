import { describe, expect, it } from 'vitest';
import { createNoopLogger, isStorageError } from '@sanctum/storage-core';
import { createPostgresRecordStore, postgres, postgresRecords } from '../../src/index.js';

describe('postgresRecords() factory', () => {
  it('describes a record adapter named postgres whose schema validates and defaults options', () => {
    const factory = postgresRecords();
    expect(factory.kind).toBe('record');
    expect(factory.name).toBe('postgres');
    const result = factory.optionsSchema['~standard'].validate({ url: 'postgres://h/x' });
    expect('value' in result && result.value.poolSize).toBe(10);
  });

  it('keeps the deprecated postgres() alias for one release', () => {
    expect(postgres).toBe(postgresRecords);
  });

  it('creates a store without I/O, declaring every capability; close works without open', async () => {
    const factory = postgresRecords();
    const result = factory.optionsSchema['~standard'].validate({ host: '203.0.113.1', user: 'u' });
    if (!('value' in result) || result.value === undefined) throw new Error('options should be valid');
    const store = factory.create(result.value, { instanceName: 'pg', logger: createNoopLogger() });
    expect(store).toMatchObject({ kind: 'record', name: 'postgres', capabilities: { ttl: true, bulk: true, transactions: true } });
    for (const method of ['getMany', 'putMany', 'deleteMany', 'transaction', 'health', 'sweepExpired'] as const) expect(typeof store[method]).toBe('function');
    await store.close!();
  });

  it('createPostgresRecordStore validates its options', () => {
    let caught: unknown;
    try {
      createPostgresRecordStore({ poolSize: 3 } as never);
    } catch (error) {
      caught = error;
    }
    expect(isStorageError(caught, 'CONFIG_INVALID')).toBe(true);
  });
});
