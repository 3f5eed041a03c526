import { defineConfig } from 'vitest/config';

// The record contract suite from @sanctum/storage-contract-tests against a real SQLite file.
export default defineConfig({
  test: {
    include: ['test/contract.test.ts'],
    testTimeout: 30_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/test-contracts.json' },
  },
});
