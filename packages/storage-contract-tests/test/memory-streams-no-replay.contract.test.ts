import { describe, it } from 'vitest';
import { createMemoryStreamStore } from '@sanctum/storage-core/spi';
import { streamStoreContract } from '../src/index.js';

// The same store with replay switched off exercises the "undeclared" branches.
streamStoreContract({
  runner: { describe, it },
  title: 'StreamStore contract (memory, no replay)',
  create: () => createMemoryStreamStore({ capabilities: { replayFromId: false, replayFromTime: false } }),
  capabilities: { replayFromId: false, replayFromTime: false, ordering: 'total' },
});
