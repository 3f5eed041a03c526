import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@sanctum/source'] },
  test: {
    include: ['test/**/*.test.ts'],
    // One JSON report per script (test, test:contracts, …) for the repo-wide summary line.
    reporters: ['default', 'json'],
    outputFile: { json: `test-results/${process.env['npm_lifecycle_event'] ?? 'vitest'}.json` },
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      // Errors and observability are public contracts: every file must stay covered.
      thresholds: {
        'src/errors/**/*.ts': { lines: 90, functions: 90, branches: 90, statements: 90, perFile: true },
        'src/observability/**/*.ts': { lines: 90, functions: 90, branches: 90, statements: 90, perFile: true },
      },
    },
  },
});
