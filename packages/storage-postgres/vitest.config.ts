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
    // Integration files share one PostgreSQL; two workers keep the 2-core machines responsive.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text', 'json-summary'],
      // Adapters ship at ≥ 95% per file (enforced by `test:integration`, which runs unit + integration).
      // `perFile` is honoured only at this level, not inside a glob entry.
      thresholds: { lines: 95, functions: 95, branches: 95, statements: 95, perFile: true },
    },
  },
});
