import { strict as assert } from 'node:assert';
import { describe, it } from 'vitest';
import { createMemoryBlobStore, createMemoryRecordStore, createMemoryStreamStore } from '@sanctum/storage-core/spi';
import { blobStoreContract, recordStoreContract, streamStoreContract } from '../src/index.js';
import { collect, runSuite } from './support/fake-runner.js';

const names = (register: Parameters<typeof collect>[0]) => collect(register).map((test) => test.name);

describe('capability gating', () => {
  it('registers feature tests only for declared capabilities, and absence checks for the others', () => {
    const full = names((runner) => recordStoreContract({ runner, create: () => createMemoryRecordStore(), capabilities: { ttl: true, bulk: true, transactions: true, splice: true } }));
    const bare = names((runner) => recordStoreContract({ runner, create: () => createMemoryRecordStore(), capabilities: { ttl: false, bulk: false, transactions: false, splice: false } }));
    assert.ok(full.some((name) => name.includes('a record written with ttlMs reports expiresAt')));
    assert.ok(!bare.some((name) => name.includes('a record written with ttlMs reports expiresAt')));
    for (const name of ['ttl undeclared', 'bulk undeclared', 'transactions undeclared', 'splice undeclared']) {
      assert.ok(bare.some((test) => test.includes(name)), `missing "${name}" test`);
      assert.ok(!full.some((test) => test.includes(name)));
    }
  });

  it('fails when the store declares other capabilities than the suite was given', async () => {
    const { failed } = await runSuite((runner) =>
      recordStoreContract({ runner, create: () => createMemoryRecordStore(), capabilities: { ttl: false, bulk: true, transactions: true, splice: true } }),
    );
    assert.ok(failed.includes('RecordStore contract > basics > declares exactly the capabilities the suite was given'));
    // The store does support ttl, so the "undeclared answers UNSUPPORTED" check catches it too.
    assert.ok(failed.includes('RecordStore contract > ttl > ttl undeclared: a put with ttlMs fails with UNSUPPORTED and writes nothing'));
  });

  it('catches a store that claims a capability off but still serves it', async () => {
    const { failed } = await runSuite((runner) =>
      blobStoreContract({
        runner,
        create: () => {
          const store = createMemoryBlobStore();
          return {
            kind: 'blob',
            name: store.name,
            capabilities: { ...store.capabilities, rangeRead: false },
            put: (request) => store.put(request),
            get: (request) => store.get(request),
            head: (request) => store.head(request),
            delete: (request) => store.delete(request),
            list: (request) => store.list(request),
          };
        },
        capabilities: { createOnly: true, compareAndSwap: true, conditionalDelete: true, conditionalRead: true, rangeRead: false, delimiter: true, presign: false, acl: true },
      }),
    );
    assert.deepEqual(failed, ['BlobStore contract > range reads > rangeRead undeclared: a ranged get fails with UNSUPPORTED']);
  });

  it('test names are unique and stable across suites', () => {
    const all = [
      ...names((runner) => recordStoreContract({ runner, create: () => createMemoryRecordStore(), capabilities: { ttl: true, bulk: true, transactions: true, splice: true } })),
      ...names((runner) =>
        streamStoreContract({ runner, create: () => createMemoryStreamStore(), capabilities: { replayFromId: true, replayFromTime: true, ordering: 'total' } }),
      ),
    ];
    assert.equal(new Set(all).size, all.length);
  });
});
