import { describe, it } from 'vitest';
import { createMemoryRecordStore } from '@sanctum/storage-core/spi';
import { recordStoreContract } from '../src/index.js';

recordStoreContract({
  runner: { describe, it },
  create: () => createMemoryRecordStore(),
  capabilities: { ttl: true, bulk: true, transactions: true, splice: true },
});

// The same store with its optional features switched off exercises the "undeclared" branches.
recordStoreContract({
  runner: { describe, it },
  title: 'RecordStore contract (memory, no optional capabilities)',
  create: () => createMemoryRecordStore({ capabilities: { ttl: false, bulk: false, transactions: false, splice: false } }),
  capabilities: { ttl: false, bulk: false, transactions: false, splice: false },
});
