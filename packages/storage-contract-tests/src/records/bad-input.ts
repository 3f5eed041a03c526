import { strict as assert } from 'node:assert';
import type { RecordStore } from '@sanctum/storage-core';
import { rejectsWith } from '../support/assert-error.js';
import { BAD_KEYS, BAD_VALUES } from '../support/bad-input.js';
import type { RecordSuite } from './record-contract.js';

async function assertAbsent(store: RecordStore, namespace: string, key: string, what: string): Promise<void> {
  assert.equal(await store.get({ namespace, key }), undefined, `${what} was refused but something was written`);
}

/**
 * Bad input as the SPI defines it (core's validation rules, docs/adr/005): each answers with a
 * StorageError of its code — never a raw TypeError, never a silent acceptance.
 */
export function registerBadInput({ describe, it, options }: RecordSuite): void {
  describe('bad input', () => {
    it('malformed keys fail with INVALID_ARGUMENT on every operation, and a lone surrogate collides with nothing', async (store, namespace) => {
      for (const [name, key] of BAD_KEYS) {
        await rejectsWith(() => store.put({ namespace, key: key as string, value: 1 }), 'INVALID_ARGUMENT', `put with ${name}`);
        await rejectsWith(() => store.get({ namespace, key: key as string }), 'INVALID_ARGUMENT', `get with ${name}`);
        await rejectsWith(() => store.delete({ namespace, key: key as string }), 'INVALID_ARGUMENT', `delete with ${name}`);
      }
      // A backend that replaces the lone surrogate with U+FFFD would have created this key.
      await assertAbsent(store, namespace, 'lone\ufffd', 'a lone-surrogate key');
      assert.deepEqual((await store.list({ namespace })).items, [], 'refused puts left records behind');
    });

    it('values JSON would change (Date, NaN, Map, BigInt, cycles, …) fail with INVALID_ARGUMENT and write nothing', async (store, namespace) => {
      for (const [name, make] of BAD_VALUES) {
        await rejectsWith(() => store.put({ namespace, key: 'k', value: make() as never }), 'INVALID_ARGUMENT', `put of ${name}`);
        await assertAbsent(store, namespace, 'k', `a put of ${name}`);
      }
    });

    it('malformed conditions fail with INVALID_ARGUMENT and write nothing', async (store, namespace) => {
      const cases = [
        ['ifMatch with ifNoneMatch', { ifMatch: 'x', ifNoneMatch: '*' }],
        ["ifNoneMatch other than '*'", { ifNoneMatch: 'yes' }],
        ['an empty ifMatch', { ifMatch: '' }],
        ['a numeric ifMatch', { ifMatch: 42 }],
      ] as const;
      for (const [name, conditions] of cases) {
        await rejectsWith(() => store.put({ namespace, key: 'k', value: 1, ...(conditions as object) }), 'INVALID_ARGUMENT', `put with ${name}`);
        await assertAbsent(store, namespace, 'k', `a put with ${name}`);
      }
    });

    if (options.capabilities.ttl) {
      it('a ttlMs that is not an integer from 1 ms to ten years fails with INVALID_ARGUMENT (0 included)', async (store, namespace) => {
        for (const ttlMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e15, '100']) {
          await rejectsWith(() => store.put({ namespace, key: 'k', value: 1, ttlMs: ttlMs as number }), 'INVALID_ARGUMENT', `put with ttlMs ${String(ttlMs)}`);
          await assertAbsent(store, namespace, 'k', `a put with ttlMs ${String(ttlMs)}`);
        }
      });
    }

    it('a list limit outside 1–1000 fails with INVALID_ARGUMENT (refused, not clamped)', async (store, namespace) => {
      await store.put({ namespace, key: 'k', value: 1 });
      for (const limit of [0, -1, 1.5, 1001, 5000, '10']) {
        await rejectsWith(() => store.list({ namespace, limit: limit as number }), 'INVALID_ARGUMENT', `list with limit ${String(limit)}`);
      }
    });

    it('a cursor of another namespace or prefix fails with INVALID_ARGUMENT', async (store, namespace) => {
      const other = `${namespace}-other`;
      for (const key of ['a1', 'a2', 'a3']) {
        await store.put({ namespace, key, value: 1 });
        await store.put({ namespace: other, key, value: 1 });
      }
      const { cursor } = await store.list({ namespace: other, limit: 1 });
      assert.ok(cursor !== undefined, 'three records at limit 1 need a cursor');
      await rejectsWith(() => store.list({ namespace, cursor }), 'INVALID_ARGUMENT', 'list with a cursor of another namespace');
      const own = (await store.list({ namespace, limit: 1, prefix: 'a' })).cursor;
      assert.ok(own !== undefined, 'three records at limit 1 need a cursor');
      await rejectsWith(() => store.list({ namespace, cursor: own, prefix: 'b' }), 'INVALID_ARGUMENT', 'list with a cursor of another prefix');
      await store.delete({ namespace: other, key: 'a1' });
      await store.delete({ namespace: other, key: 'a2' });
      await store.delete({ namespace: other, key: 'a3' });
    });

    if (options.capabilities.bulk) {
      it('bulk calls with malformed keys or entries fail with INVALID_ARGUMENT and write nothing', async (store, namespace) => {
        await rejectsWith(() => store.getMany!({ namespace, keys: 'x' as never }), 'INVALID_ARGUMENT', 'getMany of a string');
        await rejectsWith(() => store.getMany!({ namespace, keys: ['ok', 'lone\ud800'] }), 'INVALID_ARGUMENT', 'getMany with a lone surrogate');
        await rejectsWith(() => store.deleteMany!({ namespace, keys: 'x' as never }), 'INVALID_ARGUMENT', 'deleteMany of a string');
        await rejectsWith(
          () => store.putMany!({ namespace, entries: [{ key: 'k', value: 1 }, { key: 'k', value: 2 }] }),
          'INVALID_ARGUMENT',
          'putMany with a repeated key',
        );
        await rejectsWith(
          () => store.putMany!({ namespace, entries: [{ key: 'k', value: 1 }, { key: 'd', value: new Date() as never }] }),
          'INVALID_ARGUMENT',
          'putMany with a Date value',
        );
        await rejectsWith(() => store.putMany!({ namespace, entries: 'x' as never }), 'INVALID_ARGUMENT', 'putMany of a string');
        await assertAbsent(store, namespace, 'k', 'a refused putMany');
      });
    }
  });
}
