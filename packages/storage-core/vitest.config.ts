import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@sanctum/source'] },
  // Vite 7 applies resolve.conditions to browser code only; tests run as SSR and need their own.
  ssr: { resolve: { conditions: ['@sanctum/source', 'module', 'node', 'development|production'] } },
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
      // perFile at the top level: vitest 3 ignores it inside a glob entry and checks the aggregate.
      thresholds: {
        perFile: true,
        'src/errors/**/*.ts': { lines: 90, functions: 90, branches: 90, statements: 90 },
        'src/observability/**/*.ts': { lines: 90, functions: 90, branches: 90, statements: 90 },
      },
    },
  },
});
