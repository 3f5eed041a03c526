import { strict as assert } from 'node:assert';
import { rejectsWith } from '../support/assert-error.js';
import { BAD_KEYS } from '../support/bad-input.js';
import type { BlobSuite } from './blob-contract.js';

const body = () => new Uint8Array(Buffer.from('x'));

/**
 * Bad input as the SPI defines it (core's validation rules, docs/adr/005): each answers with a
 * StorageError of its code — never a raw error or INTERNAL, never a silent acceptance.
 */
export function registerBadInput({ describe, it, options }: BlobSuite): void {
  describe('bad input', () => {
    it('malformed keys fail with INVALID_ARGUMENT on every operation', async (store, namespace) => {
      for (const [name, key] of BAD_KEYS) {
        await rejectsWith(() => store.put({ namespace, key: key as string, body: body() }), 'INVALID_ARGUMENT', `put with ${name}`);
        await rejectsWith(() => store.get({ namespace, key: key as string }), 'INVALID_ARGUMENT', `get with ${name}`);
        await rejectsWith(() => store.head({ namespace, key: key as string }), 'INVALID_ARGUMENT', `head with ${name}`);
        await rejectsWith(() => store.delete({ namespace, key: key as string }), 'INVALID_ARGUMENT', `delete with ${name}`);
      }
      assert.deepEqual((await store.list({ namespace })).items, [], 'refused puts left objects behind');
    });

    it('a body that is neither bytes nor a readable stream fails with INVALID_ARGUMENT and stores nothing', async (store, namespace) => {
      for (const [name, bad] of [
        ['a string', 'text'],
        ['a number', 42],
        ['a plain object', { data: 'x' }],
        ['null', null],
      ] as const) {
        await rejectsWith(() => store.put({ namespace, key: 'k', body: bad as never }), 'INVALID_ARGUMENT', `put with ${name} as body`);
      }
      assert.equal(await store.head({ namespace, key: 'k' }), undefined, 'a refused body was stored');
    });

    it('a contentType with CR/LF, a bad contentLength or metadata with control characters fail with INVALID_ARGUMENT', async (store, namespace) => {
      await rejectsWith(() => store.put({ namespace, key: 'k', body: body(), contentType: 'text/plain\r\nx-injected: 1' }), 'INVALID_ARGUMENT', 'contentType with CRLF');
      await rejectsWith(() => store.put({ namespace, key: 'k', body: body(), contentType: 'not a media type' }), 'INVALID_ARGUMENT', 'contentType without a slash');
      await rejectsWith(() => store.put({ namespace, key: 'k', body: body(), contentLength: -1 }), 'INVALID_ARGUMENT', 'contentLength -1');
      await rejectsWith(() => store.put({ namespace, key: 'k', body: body(), metadata: { note: 'a\r\nb' } }), 'INVALID_ARGUMENT', 'metadata value with CRLF');
      await rejectsWith(() => store.put({ namespace, key: 'k', body: body(), metadata: { note: 42 as never } }), 'INVALID_ARGUMENT', 'metadata value that is a number');
      assert.equal(await store.head({ namespace, key: 'k' }), undefined, 'a refused put was stored');
    });

    if (options.capabilities.rangeRead) {
      it('a malformed range fails with INVALID_ARGUMENT', async (store, namespace) => {
        await store.put({ namespace, key: 'k', body: new Uint8Array(10) });
        for (const range of [{ start: -1 }, { start: 1.5 }, { start: 5, end: 2 }, { start: '0' }]) {
          await rejectsWith(() => store.get({ namespace, key: 'k', range: range as never }), 'INVALID_ARGUMENT', `get with range ${JSON.stringify(range)}`);
        }
      });
    }

    it('a list limit outside 1–1000 or a cursor of another namespace fails with INVALID_ARGUMENT', async (store, namespace) => {
      for (const key of ['a1', 'a2', 'a3']) await store.put({ namespace, key, body: body() });
      for (const limit of [0, 1001, 1.5]) {
        await rejectsWith(() => store.list({ namespace, limit }), 'INVALID_ARGUMENT', `list with limit ${String(limit)}`);
      }
      const { cursor } = await store.list({ namespace, limit: 1 });
      assert.ok(cursor !== undefined, 'three objects at limit 1 need a cursor');
      await rejectsWith(() => store.list({ namespace: `${namespace}-other`, cursor }), 'INVALID_ARGUMENT', 'list with a cursor of another namespace');
      await rejectsWith(() => store.list({ namespace, cursor, prefix: 'b' }), 'INVALID_ARGUMENT', 'list with a cursor of another prefix');
    });
  });
}
