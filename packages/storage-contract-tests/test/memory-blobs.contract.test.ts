import { describe, it } from 'vitest';
import { createMemoryBlobStore } from '@sanctum/storage-core/spi';
import { blobStoreContract } from '../src/index.js';

blobStoreContract({
  runner: { describe, it },
  create: () => createMemoryBlobStore(),
  capabilities: { conditionalWrite: true, conditionalRead: true, rangeRead: true, delimiter: true, presign: false, acl: true },
});

const none = { conditionalWrite: false, conditionalRead: false, rangeRead: false, delimiter: false, acl: false } as const;
blobStoreContract({
  runner: { describe, it },
  title: 'BlobStore contract (memory, no optional capabilities)',
  create: () => createMemoryBlobStore({ capabilities: none }),
  capabilities: { ...none, presign: false },
});
