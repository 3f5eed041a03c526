import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import type { RecordEntry, RecordSpliceRequest, RecordStore } from '@sanctum/storage-core/spi';
import { assertAbsentOrUnsupported, rejectsWith } from '../support/assert-error.js';
import type { RecordSuite } from './record-contract.js';

const PREFIX = 'sne1:';
const stored = (bytes: Uint8Array): string => PREFIX + Buffer.from(bytes).toString('base64');

function splice(store: RecordStore, request: RecordSpliceRequest): ReturnType<NonNullable<RecordStore['spliceValue']>> {
  assert.equal(typeof store.spliceValue, 'function', 'splice is declared, so spliceValue must exist');
  return store.spliceValue!(request);
}

async function unchanged(store: RecordStore, namespace: string, key: string, before: RecordEntry | undefined, what: string): Promise<void> {
  assert.deepEqual(await store.get({ namespace, key }), before, `${what} must change nothing`);
}

/**
 * spliceValue when `splice` is declared (replace the head of a `prefix + base64` string value in
 * place, conditional on the ETag, TTL kept); absent or UNSUPPORTED when not.
 */
export function registerSplice({ describe, it, options }: RecordSuite): void {
  describe('splice', () => {
    if (options.capabilities.splice !== true) {
      it('splice undeclared: spliceValue is absent or answers UNSUPPORTED and changes nothing', async (store, namespace) => {
        const written = await store.put({ namespace, key: 'k', value: stored(Buffer.alloc(8)) });
        const before = await store.get({ namespace, key: 'k' });
        await assertAbsentOrUnsupported(
          store.spliceValue,
          () => store.spliceValue!({ namespace, key: 'k', ifMatch: written.etag, prefix: PREFIX, deleteCount: 2, insert: Buffer.from([1]) }),
          'spliceValue',
        );
        await unchanged(store, namespace, 'k', before, 'an unsupported spliceValue');
      });
      return;
    }

    it('spliceValue replaces the head of the decoded bytes, keeps the rest, and writes one unbroken base64 line', async (store, namespace) => {
      // 300 bytes: 400 base64 characters, more than one 76-character MIME line.
      let bytes: Buffer = randomBytes(300);
      let etag = (await store.put({ namespace, key: 'k', value: stored(bytes) })).etag;
      let version = 1;
      const steps: Array<[deleteCount: number, insert: number]> = [
        [10, 13], // the header grows: every base64 character after it moves
        [13, 11], // shrinks
        [0, 1], // pure insert
        [1, 0], // pure delete
        [300, 2], // everything
      ];
      for (const [deleteCount, length] of steps) {
        const insert = randomBytes(length);
        const previous = etag;
        const result = await splice(store, { namespace, key: 'k', ifMatch: etag, prefix: PREFIX, deleteCount, insert });
        bytes = Buffer.concat([insert, bytes.subarray(deleteCount)]);
        version += 1;
        assert.equal(result.version, version, 'a splice is a write: the version grows by one');
        assert.notEqual(result.etag, previous, 'a splice is a write: the etag changes');
        const entry = await store.get({ namespace, key: 'k' });
        assert.deepEqual(entry, { key: 'k', value: stored(bytes), version, etag: result.etag }, `after splicing ${String(deleteCount)} bytes for ${String(length)}`);
        etag = result.etag;
        await rejectsWith(splice(store, { namespace, key: 'k', ifMatch: previous, prefix: PREFIX, deleteCount: 0, insert }), 'PRECONDITION_FAILED', 'a splice with the etag from before the last one');
      }
    });

    it('spliceValue keeps the TTL', async (store, namespace) => {
      if (!options.capabilities.ttl) return;
      const written = await store.put({ namespace, key: 'k', value: stored(randomBytes(40)), ttlMs: 3_600_000 });
      const before = await store.get({ namespace, key: 'k' });
      await splice(store, { namespace, key: 'k', ifMatch: written.etag, prefix: PREFIX, deleteCount: 4, insert: randomBytes(6) });
      const after = await store.get({ namespace, key: 'k' });
      assert.equal(typeof before?.expiresAt, 'number');
      assert.equal(after?.expiresAt, before?.expiresAt, 'a splice must keep the expiry as it was');
    });

    it('spliceValue with a stale ifMatch, or on an absent key, fails with PRECONDITION_FAILED and changes nothing', async (store, namespace) => {
      const first = await store.put({ namespace, key: 'k', value: stored(randomBytes(30)) });
      await store.put({ namespace, key: 'k', value: stored(randomBytes(30)) });
      const before = await store.get({ namespace, key: 'k' });
      const request = { namespace, key: 'k', ifMatch: first.etag, prefix: PREFIX, deleteCount: 3, insert: Buffer.from('abc') };
      await rejectsWith(splice(store, request), 'PRECONDITION_FAILED', 'spliceValue with a stale ifMatch');
      await unchanged(store, namespace, 'k', before, 'a stale spliceValue');
      await rejectsWith(splice(store, { ...request, key: 'absent', ifMatch: before!.etag }), 'PRECONDITION_FAILED', 'spliceValue on an absent key');
      assert.equal(await store.get({ namespace, key: 'absent' }), undefined, 'spliceValue on an absent key created it');
    });

    it('spliceValue on a value that is not prefix + base64 of enough bytes fails with INVALID_ARGUMENT and changes nothing', async (store, namespace) => {
      const cases: Array<[string, unknown]> = [
        ['an object', { a: stored(Buffer.alloc(8)) }],
        ['a number', 42],
        ['another prefix', 'sne2:' + Buffer.alloc(8).toString('base64')],
        ['fewer bytes than deleteCount', stored(Buffer.alloc(2))],
        ['a part that is not base64', `${PREFIX}@@@@`],
      ];
      for (const [name, value] of cases) {
        const written = await store.put({ namespace, key: 'k', value: value as never });
        const before = await store.get({ namespace, key: 'k' });
        await rejectsWith(splice(store, { namespace, key: 'k', ifMatch: written.etag, prefix: PREFIX, deleteCount: 3, insert: Buffer.from('xyz') }), 'INVALID_ARGUMENT', `spliceValue of ${name}`);
        await unchanged(store, namespace, 'k', before, `a spliceValue of ${name}`);
      }
    });

    it('malformed spliceValue requests fail with INVALID_ARGUMENT and change nothing', async (store, namespace) => {
      const written = await store.put({ namespace, key: 'k', value: stored(Buffer.alloc(16)) });
      const before = await store.get({ namespace, key: 'k' });
      const good = { namespace, key: 'k', ifMatch: written.etag, prefix: PREFIX, deleteCount: 2, insert: Buffer.from([7]) };
      const cases: Array<[string, Record<string, unknown>]> = [
        ['no ifMatch', { ifMatch: undefined }],
        ['an empty ifMatch', { ifMatch: '' }],
        ['a negative deleteCount', { deleteCount: -1 }],
        ['a fractional deleteCount', { deleteCount: 1.5 }],
        ['a deleteCount above 65 536', { deleteCount: 65_537 }],
        ['an insert that is a string', { insert: 'abc' }],
        ['a prefix with a control character', { prefix: 'a\u0000' }],
        ['a prefix longer than 64 characters', { prefix: 'p'.repeat(65) }],
        ['an empty key', { key: '' }],
      ];
      for (const [name, change] of cases) {
        await rejectsWith(() => splice(store, { ...good, ...change } as never), 'INVALID_ARGUMENT', `spliceValue with ${name}`);
        await unchanged(store, namespace, 'k', before, `a spliceValue with ${name}`);
      }
    });
  });
}
