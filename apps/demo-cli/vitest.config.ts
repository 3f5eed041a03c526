import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One JSON report per script (test, test:contracts, …) for the repo-wide summary line.
    reporters: ['default', 'json'],
    outputFile: { json: `test-results/${process.env['npm_lifecycle_event'] ?? 'vitest'}.json` },
    include: ['test/**/*.test.ts'],
    // Each test starts the CLI in a child process (tsx compiles it on the fly).
    testTimeout: 30_000,
  },
});
