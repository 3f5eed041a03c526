import { strict as assert } from 'node:assert';
import { assertAbsentOrUnsupported, rejectsWith } from '../support/assert-error.js';
import { generateBytes, readAll } from '../support/bytes.js';
import type { BlobSuite } from './blob-contract.js';

/** Range reads, conditional reads, presign and ACLs: checked when declared, absent/UNSUPPORTED when not. */
export function registerOptional({ describe, it, options }: BlobSuite): void {
  const caps = options.capabilities;

  describe('range reads', () => {
    if (!caps.rangeRead) {
      it('rangeRead undeclared: a ranged get fails with UNSUPPORTED', async (store, namespace) => {
        await store.put({ namespace, key: 'k', body: generateBytes(100, 1) });
        await rejectsWith(store.get({ namespace, key: 'k', range: { start: 0, end: 9 } }), 'UNSUPPORTED', 'get with a range');
      });
      return;
    }

    it('ranges are inclusive, open ranges run to the end, and ends past the size are clamped', async (store, namespace) => {
      const bytes = generateBytes(1000, 11);
      await store.put({ namespace, key: 'k', body: bytes });
      const cases = [
        { range: { start: 0, end: 0 }, expect: { start: 0, end: 0 } },
        { range: { start: 10, end: 19 }, expect: { start: 10, end: 19 } },
        { range: { start: 990 }, expect: { start: 990, end: 999 } },
        { range: { start: 995, end: 5000 }, expect: { start: 995, end: 999 } },
        { range: { start: 0, end: 999 }, expect: { start: 0, end: 999 } },
      ];
      for (const { range, expect } of cases) {
        const object = await store.get({ namespace, key: 'k', range });
        assert.ok(object, 'the object exists');
        const read = await readAll(object.body);
        const label = JSON.stringify(range);
        assert.deepEqual(object.range, expect, `reported range of ${label}`);
        assert.equal(read.byteLength, expect.end - expect.start + 1, `length of ${label}`);
        assert.deepEqual(read, bytes.subarray(expect.start, expect.end + 1), `bytes of ${label}`);
        assert.equal(object.meta.size, 1000, 'meta.size is the size of the whole object');
      }
    });

    it('a range starting at or beyond the end fails with INVALID_ARGUMENT', async (store, namespace) => {
      await store.put({ namespace, key: 'k', body: generateBytes(100, 1) });
      await rejectsWith(store.get({ namespace, key: 'k', range: { start: 100 } }), 'INVALID_ARGUMENT', 'a range starting at the size');
      await rejectsWith(store.get({ namespace, key: 'k', range: { start: 5000, end: 6000 } }), 'INVALID_ARGUMENT', 'a range beyond the end');
    });
  });

  describe('conditional reads', () => {
    if (!caps.conditionalRead) {
      it('conditionalRead undeclared: get with ifMatch fails with UNSUPPORTED', async (store, namespace) => {
        const written = await store.put({ namespace, key: 'k', body: generateBytes(10, 1) });
        await rejectsWith(store.get({ namespace, key: 'k', ifMatch: written.etag }), 'UNSUPPORTED', 'get with ifMatch');
      });
      return;
    }

    it('get with the current ifMatch reads; with a stale one it fails with PRECONDITION_FAILED', async (store, namespace) => {
      const first = await store.put({ namespace, key: 'k', body: generateBytes(10, 1) });
      const second = await store.put({ namespace, key: 'k', body: generateBytes(10, 2) });
      const object = await store.get({ namespace, key: 'k', ifMatch: second.etag });
      assert.deepEqual(await readAll(object!.body), generateBytes(10, 2));
      await rejectsWith(store.get({ namespace, key: 'k', ifMatch: first.etag }), 'PRECONDITION_FAILED', 'get with a stale ifMatch');
    });
  });

  describe('presign', () => {
    if (!caps.presign) {
      it('presign undeclared: presign is absent or answers UNSUPPORTED', async (store, namespace) => {
        await assertAbsentOrUnsupported(store.presign, () => store.presign!({ namespace, key: 'k', method: 'GET', expiresInSeconds: 60 }), 'presign');
      });
      return;
    }

    it('presign returns a URL for GET and PUT', async (store, namespace) => {
      assert.equal(typeof store.presign, 'function', 'presign is declared, so the method must exist');
      await store.put({ namespace, key: 'k', body: generateBytes(10, 1) });
      for (const method of ['GET', 'PUT'] as const) {
        const url = await store.presign!({ namespace, key: 'k', method, expiresInSeconds: 60 });
        assert.doesNotThrow(() => new URL(url), `presign(${method}) must return a URL`);
      }
    });
  });

  describe('acl', () => {
    if (!caps.acl) {
      it('acl undeclared: a put with an acl fails with UNSUPPORTED and writes nothing', async (store, namespace) => {
        await rejectsWith(store.put({ namespace, key: 'k', body: generateBytes(10, 1), acl: 'public-read' }), 'UNSUPPORTED', 'put with an acl');
        assert.equal(await store.head({ namespace, key: 'k' }), undefined);
      });
      return;
    }

    it('a put with a canned acl is accepted', async (store, namespace) => {
      for (const acl of ['private', 'public-read'] as const) {
        const written = await store.put({ namespace, key: `k-${acl}`, body: generateBytes(10, 1), acl });
        assert.equal((await store.head({ namespace, key: `k-${acl}` }))?.etag, written.etag);
      }
    });
  });
}
