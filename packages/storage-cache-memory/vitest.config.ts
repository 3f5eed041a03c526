import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Resolve workspace packages to their TypeScript sources (no build needed). Vite applies
  // `resolve.conditions` to the client environment only; tests run in the server (ssr) one.
  resolve: { conditions: ['@sanctum/source'] },
  ssr: { resolve: { conditions: ['@sanctum/source', 'module', 'node', 'development|production'] } },
  test: {
    // One JSON report per script (test, test:contracts, …) for the repo-wide summary line.
    reporters: ['default', 'json'],
    outputFile: { json: `test-results/${process.env['npm_lifecycle_event'] ?? 'vitest'}.json` },
    include: ['test/**/*.test.ts'],
    // The shared contract suite runs in `test:contracts` (vitest.contracts.config.ts).
    exclude: ['test/contract.test.ts'],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text', 'json-summary'],
      // perFile at the top level: vitest 3 ignores it inside a glob entry and checks the aggregate.
      thresholds: {
        perFile: true,
        'src/**/*.ts': { lines: 90, functions: 90, branches: 90, statements: 90 },
      },
    },
  },
});
