import { describe, it } from 'vitest';
import { createMemoryStreamStore } from '@sanctum/storage-core/spi';
import { streamStoreContract } from '../src/index.js';

streamStoreContract({
  runner: { describe, it },
  create: () => createMemoryStreamStore(),
  capabilities: { replayFromId: true, replayFromTime: true, ordering: 'total' },
});
