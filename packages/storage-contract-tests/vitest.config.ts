import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@sanctum/source'] },
  test: {
    // One JSON report per script (test, test:contracts, …) for the repo-wide summary line.
    reporters: ['default', 'json'],
    outputFile: { json: `test-results/${process.env['npm_lifecycle_event'] ?? 'vitest'}.json` },
    include: ['test/**/*.test.ts'],
    // The teeth tests run whole suites programmatically; each run takes a few seconds on memory.
    testTimeout: 60_000,
  },
});
