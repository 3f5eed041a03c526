import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Resolve workspace packages to their TypeScript sources (no build needed). Vite applies
  // `resolve.conditions` to the client environment only; tests run in the server (ssr) one.
  resolve: { conditions: ['@sanctum/source'] },
  ssr: { resolve: { conditions: ['@sanctum/source', 'module', 'node', 'development|production'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // One JSON report per script (test, test:integration, …) for the repo-wide summary line.
    reporters: ['default', 'json'],
    outputFile: { json: `test-results/${process.env['npm_lifecycle_event'] ?? 'vitest'}.json` },
    // Integration files share one RGW on a 2-core machine: run them one at a time.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // Declarations only (no statements to cover).
      exclude: ['src/context.ts'],
      reporter: ['text', 'json-summary', 'json'],
      // Every file of src/** on its own, enforced by `test:integration` (unit + integration tests
      // against a real S3). A glob key would check the files' aggregate, not each file.
      thresholds: { lines: 95, functions: 95, branches: 95, statements: 95, perFile: true },
    },
  },
});
