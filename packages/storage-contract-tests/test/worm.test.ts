import { strict as assert } from 'node:assert';
import { describe, it } from 'vitest';
import { StorageError } from '@sanctum/storage-core';
import { createMemoryBlobStore, createMemoryRecordStore, type BlobStore, type RecordStore } from '@sanctum/storage-core/spi';
import { blobWormContract, recordWormContract } from '../src/index.js';
import { collect, runSuite } from './support/fake-runner.js';

// A WORM wrapper over the memory stores: the behaviour the WORM cases expect, and (with `guard`
// off) a store that claims WORM but lets overwrites and deletes through, which the cases must catch.
function wormRecords(guard: boolean): { store: () => RecordStore; enable: (namespace: string, retentionMs: number) => Promise<void> } {
  const policies = new Map<string, number>();
  const written = new Map<string, number>();
  const inner = createMemoryRecordStore();
  const locked = (namespace: string, key: string) => {
    const retention = policies.get(namespace);
    const at = written.get(`${namespace}\u0000${key}`);
    return guard && retention !== undefined && at !== undefined && Date.now() < at + retention;
  };
  const refuse = () => new StorageError('RETENTION_LOCKED', 'retained');
  const store: RecordStore = {
    kind: 'record',
    name: 'worm-memory',
    capabilities: { ...inner.capabilities, worm: true },
    get: (request) => inner.get(request),
    list: (request) => inner.list(request),
    async put(request) {
      const exists = (await inner.get({ namespace: request.namespace, key: request.key })) !== undefined;
      if (exists && request.ifNoneMatch === undefined && locked(request.namespace, request.key)) throw refuse();
      const result = await inner.put(request);
      written.set(`${request.namespace}\u0000${request.key}`, Date.now());
      return result;
    },
    async delete(request) {
      if (locked(request.namespace, request.key)) throw refuse();
      return inner.delete(request);
    },
  };
  return { store: () => store, enable: async (namespace, retentionMs) => void policies.set(namespace, retentionMs) };
}

function wormBlobs(guard: boolean): () => BlobStore {
  const inner = createMemoryBlobStore();
  const written = new Map<string, number>();
  const locked = (namespace: string, key: string) => guard && (written.get(`${namespace}\u0000${key}`) ?? 0) + 300 > Date.now();
  const store: BlobStore = {
    ...inner,
    kind: 'blob',
    name: 'worm-memory',
    capabilities: { ...inner.capabilities, worm: true },
    get: (request) => inner.get(request),
    head: (request) => inner.head(request),
    list: (request) => inner.list(request),
    async put(request) {
      if (locked(request.namespace, request.key)) throw new StorageError('RETENTION_LOCKED', 'retained');
      const result = await inner.put(request);
      written.set(`${request.namespace}\u0000${request.key}`, Date.now());
      return result;
    },
    async delete(request) {
      if (locked(request.namespace, request.key)) throw new StorageError('RETENTION_LOCKED', 'retained');
      return inner.delete(request);
    },
  };
  return () => store;
}

describe('WORM cases', () => {
  it('are registered only for a store that declares worm; otherwise its absence is checked', async () => {
    const off = collect((runner) => recordWormContract({ runner, create: () => createMemoryRecordStore(), capabilities: { worm: false } }));
    assert.deepEqual(off.map((test) => test.name), ['RecordStore WORM contract > does not declare WORM']);
    const { failed } = await runSuite((runner) => recordWormContract({ runner, create: () => createMemoryRecordStore(), capabilities: { worm: false } }));
    assert.deepEqual(failed, []);
    const on = collect((runner) => recordWormContract({ runner, create: () => createMemoryRecordStore(), capabilities: { worm: true } }));
    assert.equal(on.length, 3);
  });

  it('pass on a store that keeps records and objects until their retention ends', async () => {
    const records = wormRecords(true);
    const outcome = await runSuite((runner) => recordWormContract({ runner, create: records.store, enableWorm: records.enable, capabilities: { worm: true }, retentionMs: 300, graceMs: 100 }));
    assert.deepEqual(outcome.failed, []);
    const blobs = await runSuite((runner) => blobWormContract({ runner, create: wormBlobs(true), capabilities: { worm: true }, retentionMs: 300, graceMs: 100 }));
    assert.deepEqual(blobs.failed, []);
  });

  it('fail on a store that claims WORM but lets overwrites and deletes through', async () => {
    const records = wormRecords(false);
    const outcome = await runSuite((runner) => recordWormContract({ runner, create: records.store, enableWorm: records.enable, capabilities: { worm: true }, retentionMs: 300, graceMs: 100 }));
    assert.deepEqual(outcome.failed, ['RecordStore WORM contract > overwrite and delete are RETENTION_LOCKED and change nothing']);
    const blobs = await runSuite((runner) => blobWormContract({ runner, create: wormBlobs(false), capabilities: { worm: true }, retentionMs: 300, graceMs: 100 }));
    assert.deepEqual(blobs.failed, ['BlobStore WORM contract > overwrite and delete are RETENTION_LOCKED and change nothing']);
    // A store that does not declare worm fails the "declares WORM" case.
    const undeclared = await runSuite((runner) => recordWormContract({ runner, create: () => createMemoryRecordStore(), capabilities: { worm: true } }));
    assert.ok(undeclared.failed.includes('RecordStore WORM contract > declares WORM'));
  });
});
