import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'vitest';
import { createMemoryBlobStore, type BlobCapabilities, type BlobStore } from '@sanctum/storage-core/spi';
import { blobStoreContract } from '../src/index.js';
import { delegate } from './support/broken/blobs.js';
import { runSuite } from './support/fake-runner.js';

// The conditional-capability cases must fail on adapters that get a condition wrong, and only the
// cases about that condition.

const ALL: BlobCapabilities = {
  createOnly: true,
  compareAndSwap: true,
  conditionalDelete: true,
  conditionalRead: true,
  rangeRead: true,
  delimiter: true,
  presign: false,
  acl: true,
};
const W = 'BlobStore contract > conditional writes > ';

function wrap(inner: BlobStore, overrides: Partial<BlobStore>): BlobStore {
  return { ...delegate(inner), ...overrides };
}

/** Checks a put's condition with a head, then writes unconditionally: right alone, wrong under a race. */
function checkThenWrite(): BlobStore {
  const inner = createMemoryBlobStore();
  return wrap(inner, {
    async put({ ifMatch, ifNoneMatch, ...request }) {
      if (ifMatch !== undefined || ifNoneMatch !== undefined) {
        const current = await inner.head(request);
        await sleep(5);
        // Delegate the verdict to the inner store's own check against what was read, then write blindly.
        if (ifNoneMatch !== undefined && current !== undefined) return inner.put({ ...request, ifNoneMatch });
        if (ifMatch !== undefined && current?.etag !== ifMatch) return inner.put({ ...request, ifMatch });
      }
      return inner.put(request);
    },
  });
}

/** Deletes whatever the ifMatch says (as Ceph RGW does with If-Match on DELETE). */
function ignoresDeleteIfMatch(): BlobStore {
  const inner = createMemoryBlobStore();
  return wrap(inner, { delete: ({ ifMatch: _ignored, ...request }) => inner.delete(request) });
}

/** Declares no createOnly but honours it anyway. */
function servesUndeclaredCreateOnly(): BlobStore {
  const inner = createMemoryBlobStore();
  return wrap(inner, { capabilities: { ...inner.capabilities, createOnly: false } });
}

describe.concurrent('the conditional-capability cases fail on broken adapters', () => {
  it('a store that checks a condition and then writes (not atomic)', async () => {
    const { failed } = await runSuite((runner) => blobStoreContract({ runner, create: checkThenWrite, capabilities: ALL }));
    assert.deepEqual(failed.sort(), [
      `${W}concurrent ifNoneMatch '*' creators: exactly one wins and its bytes are stored`,
      `${W}concurrent writers swapping the same ETag: exactly one wins and its bytes are stored`,
    ]);
  });

  it('a store that ignores ifMatch on delete', async () => {
    const { failed } = await runSuite((runner) => blobStoreContract({ runner, create: ignoresDeleteIfMatch, capabilities: ALL }));
    assert.deepEqual(failed, [`${W}delete with a stale ifMatch fails with PRECONDITION_FAILED and keeps the object; the current one deletes`]);
  });

  it('the same store declaring no conditional delete (its honest declaration) passes', async () => {
    const honest = () => {
      const inner = createMemoryBlobStore({ capabilities: { conditionalDelete: false } });
      return wrap(inner, {});
    };
    const { failed } = await runSuite((runner) => blobStoreContract({ runner, create: honest, capabilities: { ...ALL, conditionalDelete: false } }));
    assert.deepEqual(failed, []);
  });

  it('a store that serves create-only puts it does not declare', async () => {
    const { failed } = await runSuite((runner) =>
      blobStoreContract({ runner, create: servesUndeclaredCreateOnly, capabilities: { ...ALL, createOnly: false } }),
    );
    assert.deepEqual(failed, [`${W}createOnly undeclared: put with ifNoneMatch '*' fails with UNSUPPORTED and creates nothing`]);
  });
});
