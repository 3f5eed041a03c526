import { strict as assert } from 'node:assert';
import { CHECKSUM_METADATA_KEY, createStorageClient } from '@sanctum/storage-core';
import type { BlobStore } from '@sanctum/storage-core/spi';
import { rejectsWith } from '../support/assert-error.js';
import { generateBytes, readAll, sha256, streamOf } from '../support/bytes.js';
import { fixedFactory } from '../support/factories.js';
import { uniqueNamespace } from '../support/ids.js';
import type { BlobSuite, CorruptBlob } from './blob-contract.js';

/** The default corruption: same length, every bit flipped, original content type and metadata kept. */
export const corruptByRewriting: CorruptBlob = async (namespace, key, store) => {
  const meta = await store.head({ namespace, key });
  assert.ok(meta, `cannot corrupt ${key}: head found nothing`);
  const object = await store.get({ namespace, key });
  assert.ok(object, `cannot corrupt ${key}: get found nothing`);
  const original = await readAll(object.body);
  const corrupted = Buffer.from(original.map((byte) => byte ^ 0xff));
  await store.put({
    namespace,
    key,
    body: corrupted,
    metadata: meta.metadata,
    ...(meta.contentType === undefined ? {} : { contentType: meta.contentType }),
  });
};

async function physicalKeyOf(store: BlobStore, namespace: string, logicalKey: string): Promise<string> {
  const page = await store.list({ namespace, limit: 1000 });
  const exact = page.items.find((item) => item.key === logicalKey);
  if (exact !== undefined) return exact.key;
  assert.equal(page.items.length, 1, 'cannot tell which stored object the facade wrote; pass a `corrupt` hook');
  return page.items[0]!.key;
}

/** The facade's integrity check must catch corruption of what this adapter stored. */
export function registerChecksum({ describe, itRaw, options }: BlobSuite): void {
  describe('integrity through the facade', () => {
    itRaw('a corrupted payload fails a facade read with CHECKSUM_MISMATCH', async () => {
      const store = await options.create();
      const namespace = uniqueNamespace(options.namespacePrefix, 'sum');
      const client = createStorageClient(
        {
          schemaVersion: 1,
          adapters: { 'under-test': { use: 'under-test' } },
          namespaces: { [namespace]: { kind: 'blob', adapter: 'under-test', checksum: 'sha256' } },
        },
        { adapters: [fixedFactory('blob', 'under-test', store)] },
      );
      try {
        const blobs = client.blobs(namespace);
        const bytes = generateBytes(256 * 1024, 13);
        await blobs.put('report.bin', streamOf(bytes), { contentType: 'application/octet-stream' });
        assert.deepEqual(await blobs.getBytes('report.bin'), bytes, 'an intact object must read back');
        const key = await physicalKeyOf(store, namespace, 'report.bin');
        const meta = await store.head({ namespace, key });
        assert.equal(
          meta?.metadata[CHECKSUM_METADATA_KEY],
          sha256(bytes),
          `the checksum the facade computed while streaming (trailing metadata "${CHECKSUM_METADATA_KEY}") was not stored`,
        );
        await (options.corrupt ?? corruptByRewriting)(namespace, key, store);
        assert.equal((await store.head({ namespace, key }))?.size, bytes.byteLength, 'the corruption must keep the length');
        await rejectsWith(blobs.getBytes('report.bin'), 'CHECKSUM_MISMATCH', 'reading a corrupted object');
        const download = await blobs.get('report.bin');
        await rejectsWith(readAll(download.body), 'CHECKSUM_MISMATCH', 'streaming a corrupted object to its end');
      } finally {
        await client.close();
      }
    });
  });
}
