import { strict as assert } from 'node:assert';
import type { BlobStore } from '@sanctum/storage-core/spi';
import { assertStorageError, rejectsWith } from '../support/assert-error.js';
import { generateBytes, readAll, streamOf } from '../support/bytes.js';
import type { BlobSuite } from './blob-contract.js';

async function bytesOf(store: BlobStore, namespace: string, key: string): Promise<Buffer | undefined> {
  const object = await store.get({ namespace, key });
  return object === undefined ? undefined : readAll(object.body);
}

/**
 * Conditional writes, one group per capability (`createOnly`, `compareAndSwap`,
 * `conditionalDelete`): a declared one is checked to be atomic (concurrent writers race for it), an
 * undeclared one to fail with UNSUPPORTED and change nothing.
 */
export function registerConditionalCapabilities(suite: BlobSuite): void {
  suite.describe('conditional writes', () => {
    registerCreateOnly(suite);
    registerCompareAndSwap(suite);
    registerConditionalDelete(suite);
  });
}

function registerCreateOnly({ it, options }: BlobSuite): void {
  if (!options.capabilities.createOnly) {
    it("createOnly undeclared: put with ifNoneMatch '*' fails with UNSUPPORTED and creates nothing", async (store, namespace) => {
      await rejectsWith(store.put({ namespace, key: 'new', body: generateBytes(10, 2), ifNoneMatch: '*' }), 'UNSUPPORTED', "put with ifNoneMatch '*'");
      assert.equal(await store.head({ namespace, key: 'new' }), undefined);
    });
    return;
  }
  it("put with ifNoneMatch '*' creates once, then fails with ALREADY_EXISTS and changes nothing", async (store, namespace) => {
    const created = await store.put({ namespace, key: 'k', body: generateBytes(10, 1), ifNoneMatch: '*' });
    await rejectsWith(store.put({ namespace, key: 'k', body: generateBytes(10, 2), ifNoneMatch: '*' }), 'ALREADY_EXISTS', "put with ifNoneMatch '*' on an existing key");
    await rejectsWith(
      store.put({ namespace, key: 'k', body: streamOf(generateBytes(100_000, 3)), ifNoneMatch: '*' }),
      'ALREADY_EXISTS',
      "a streamed put with ifNoneMatch '*' on an existing key",
    );
    assert.equal((await store.head({ namespace, key: 'k' }))?.etag, created.etag);
    assert.deepEqual(await bytesOf(store, namespace, 'k'), generateBytes(10, 1));
  });

  it("concurrent ifNoneMatch '*' creators: exactly one wins and its bytes are stored", async (store, namespace) => {
    const bodies = Array.from({ length: 8 }, (_, i) => generateBytes(1000, i + 1));
    const outcomes = await Promise.allSettled(bodies.map((body) => store.put({ namespace, key: 'k', body, ifNoneMatch: '*' })));
    const winners = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [i] : []));
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') assertStorageError(outcome.reason, 'ALREADY_EXISTS', 'a losing creator');
    }
    assert.equal(winners.length, 1, `${String(winners.length)} creators succeeded`);
    assert.deepEqual(await bytesOf(store, namespace, 'k'), bodies[winners[0]!]);
  });
}

function registerCompareAndSwap({ it, options }: BlobSuite): void {
  if (!options.capabilities.compareAndSwap) {
    it('compareAndSwap undeclared: put with ifMatch fails with UNSUPPORTED and changes nothing', async (store, namespace) => {
      const written = await store.put({ namespace, key: 'k', body: generateBytes(10, 1) });
      await rejectsWith(store.put({ namespace, key: 'k', body: generateBytes(10, 2), ifMatch: written.etag }), 'UNSUPPORTED', 'put with ifMatch');
      assert.equal((await store.head({ namespace, key: 'k' }))?.etag, written.etag);
    });
    return;
  }
  it('put with the current ifMatch writes; a stale one fails with PRECONDITION_FAILED and changes nothing', async (store, namespace) => {
    const first = await store.put({ namespace, key: 'k', body: generateBytes(10, 1) });
    const second = await store.put({ namespace, key: 'k', body: generateBytes(10, 2), ifMatch: first.etag });
    await rejectsWith(store.put({ namespace, key: 'k', body: generateBytes(10, 3), ifMatch: first.etag }), 'PRECONDITION_FAILED', 'put with a stale ifMatch');
    await rejectsWith(
      store.put({ namespace, key: 'k', body: streamOf(generateBytes(100_000, 4)), ifMatch: first.etag }),
      'PRECONDITION_FAILED',
      'a streamed put with a stale ifMatch',
    );
    assert.equal((await store.head({ namespace, key: 'k' }))?.etag, second.etag, 'a failed conditional put changed the object');
    assert.deepEqual(await bytesOf(store, namespace, 'k'), generateBytes(10, 2));
  });

  it('put with ifMatch on an absent key fails with PRECONDITION_FAILED and creates nothing', async (store, namespace) => {
    await rejectsWith(store.put({ namespace, key: 'k', body: generateBytes(10, 1), ifMatch: 'no-such-etag' }), 'PRECONDITION_FAILED', 'put with ifMatch on an absent key');
    assert.equal(await store.head({ namespace, key: 'k' }), undefined);
  });

  it('concurrent writers swapping the same ETag: exactly one wins and its bytes are stored', async (store, namespace) => {
    const base = await store.put({ namespace, key: 'k', body: generateBytes(1000, 100) });
    const bodies = Array.from({ length: 8 }, (_, i) => generateBytes(1000, i + 1));
    const outcomes = await Promise.allSettled(bodies.map((body) => store.put({ namespace, key: 'k', body, ifMatch: base.etag })));
    const winners = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [i] : []));
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') assertStorageError(outcome.reason, 'PRECONDITION_FAILED', 'a losing writer');
    }
    assert.equal(winners.length, 1, `${String(winners.length)} writers swapped the same ETag`);
    assert.deepEqual(await bytesOf(store, namespace, 'k'), bodies[winners[0]!]);
  });
}

function registerConditionalDelete({ it, options }: BlobSuite): void {
  if (!options.capabilities.conditionalDelete) {
    it('conditionalDelete undeclared: delete with ifMatch fails with UNSUPPORTED and keeps the object', async (store, namespace) => {
      const written = await store.put({ namespace, key: 'k', body: generateBytes(10, 1) });
      await rejectsWith(store.delete({ namespace, key: 'k', ifMatch: written.etag }), 'UNSUPPORTED', 'delete with ifMatch');
      assert.equal((await store.head({ namespace, key: 'k' }))?.etag, written.etag);
    });
    return;
  }
  it('delete with a stale ifMatch fails with PRECONDITION_FAILED and keeps the object; the current one deletes', async (store, namespace) => {
    const first = await store.put({ namespace, key: 'k', body: generateBytes(10, 1) });
    const second = await store.put({ namespace, key: 'k', body: generateBytes(10, 2) });
    await rejectsWith(store.delete({ namespace, key: 'k', ifMatch: first.etag }), 'PRECONDITION_FAILED', 'delete with a stale ifMatch');
    assert.equal((await store.head({ namespace, key: 'k' }))?.etag, second.etag);
    assert.equal(await store.delete({ namespace, key: 'k', ifMatch: second.etag }), true);
    assert.equal(await store.head({ namespace, key: 'k' }), undefined);
  });
}
