import { strict as assert } from 'node:assert';
import type { BlobStore, RecordStore } from '@sanctum/storage-core/spi';
import type { SuiteOptions } from '../runner.js';
import { rejectsWith } from '../support/assert-error.js';
import { withCleanup } from '../support/cleanup.js';
import { uniqueNamespace } from '../support/ids.js';
import { withStore } from '../support/lifecycle.js';

/** Options of {@link recordWormContract} and {@link blobWormContract}. */
export interface WormContractOptions<Store> extends SuiteOptions<Store> {
  /** Whether the adapter declares WORM; the cases run only when it does, else its absence is checked. */
  readonly capabilities: { readonly worm: boolean };
  /**
   * Makes `namespace` a WORM namespace with `retentionMs`, before the test writes to it. Adapters
   * whose WORM mode is store-wide (S3 Object Lock) configure it in `create` and pass a no-op here.
   */
  readonly enableWorm?: (namespace: string, retentionMs: number) => Promise<void>;
  /** The retention the cases use (store-wide adapters: the one `create` configures). @default 1_500 */
  readonly retentionMs?: number;
  /** How long past the retention the backend may still refuse a delete (clock granularity). @default 1_500 */
  readonly graceMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readAll(body: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

function register<Store extends { readonly capabilities: object }>(
  options: WormContractOptions<Store>,
  title: string,
  tag: string,
  cases: (it: (name: string, body: (store: Store, namespace: string) => Promise<void>) => void, retentionMs: number, graceMs: number) => void,
): void {
  const retentionMs = options.retentionMs ?? 1_500;
  const graceMs = options.graceMs ?? 1_500;
  const it = (name: string, body: (store: Store, namespace: string) => Promise<void>) => {
    options.runner.it(name, () =>
      withCleanup(options.cleanup, uniqueNamespace(options.namespacePrefix, tag), (namespace) =>
        withStore(options.create as () => Store & { open?(): Promise<void>; close?(): Promise<void> }, async (store) => {
          await options.enableWorm?.(namespace, retentionMs);
          await body(store, namespace);
        }),
      ),
    );
  };
  options.runner.describe(options.title ?? title, () => {
    if (!options.capabilities.worm) {
      it('does not declare WORM', async (store) => {
        assert.equal((store.capabilities as { worm?: boolean }).worm ?? false, false, 'capabilities.worm');
      });
      return;
    }
    it('declares WORM', async (store) => {
      assert.equal((store.capabilities as { worm?: boolean }).worm, true, 'capabilities.worm');
    });
    cases(it, retentionMs, graceMs);
  });
}

/**
 * WORM cases for record stores that declare `worm`: a record of a WORM namespace can be created but
 * neither overwritten (plain or `ifMatch`) nor deleted until its retention has passed
 * (RETENTION_LOCKED, and nothing changes); after that it can be deleted.
 */
export function recordWormContract(options: WormContractOptions<RecordStore>): void {
  register(options, 'RecordStore WORM contract', 'worm-rec', (it, retentionMs, graceMs) => {
    it('overwrite and delete are RETENTION_LOCKED and change nothing', async (store, namespace) => {
      const written = await store.put({ namespace, key: 'k', value: { n: 1 } });
      await rejectsWith(store.put({ namespace, key: 'k', value: { n: 2 } }), 'RETENTION_LOCKED', 'plain overwrite');
      await rejectsWith(store.put({ namespace, key: 'k', value: { n: 2 }, ifMatch: written.etag }), 'RETENTION_LOCKED', 'ifMatch overwrite');
      await rejectsWith(store.delete({ namespace, key: 'k' }), 'RETENTION_LOCKED', 'delete');
      const entry = await store.get({ namespace, key: 'k' });
      assert.deepEqual(entry?.value, { n: 1 }, 'the record is unchanged');
      assert.equal(entry?.etag, written.etag, 'the etag is unchanged');
      await rejectsWith(store.put({ namespace, key: 'k', value: { n: 3 }, ifNoneMatch: '*' }), 'ALREADY_EXISTS', 'create-only of an existing key');
      await store.put({ namespace, key: 'other', value: { n: 1 }, ifNoneMatch: '*' });
    });
    it('after the retention a record can be deleted', async (store, namespace) => {
      await store.put({ namespace, key: 'k', value: { n: 1 } });
      await sleep(retentionMs + graceMs);
      assert.equal(await store.delete({ namespace, key: 'k' }), true, 'delete after the retention');
      assert.equal(await store.get({ namespace, key: 'k' }), undefined);
    });
  });
}

/**
 * WORM cases for blob stores that declare `worm`: an object can be written once, but neither
 * overwritten nor deleted until its retention has passed (RETENTION_LOCKED; the bytes stay); after
 * that it can be deleted.
 */
export function blobWormContract(options: WormContractOptions<BlobStore>): void {
  register(options, 'BlobStore WORM contract', 'worm-blob', (it, retentionMs, graceMs) => {
    it('overwrite and delete are RETENTION_LOCKED and change nothing', async (store, namespace) => {
      await store.put({ namespace, key: 'k', body: Buffer.from('first') });
      await rejectsWith(store.put({ namespace, key: 'k', body: Buffer.from('second') }), 'RETENTION_LOCKED', 'overwrite');
      await rejectsWith(store.delete({ namespace, key: 'k' }), 'RETENTION_LOCKED', 'delete');
      const object = await store.get({ namespace, key: 'k' });
      assert.ok(object !== undefined, 'the object is still there');
      assert.equal(await readAll(object.body), 'first', 'the bytes are unchanged');
    });
    it('after the retention an object can be deleted', async (store, namespace) => {
      await store.put({ namespace, key: 'k', body: Buffer.from('x') });
      await sleep(retentionMs + graceMs);
      assert.equal(await store.delete({ namespace, key: 'k' }), true, 'delete after the retention');
      assert.equal(await store.head({ namespace, key: 'k' }), undefined);
    });
  });
}
