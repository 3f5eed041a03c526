import { defineConfig } from 'vitest/config';

// The shared CacheStore contract suite (`pnpm test:contracts`); unit tests and coverage live in vitest.config.ts.
export default defineConfig({
  resolve: { conditions: ['@sanctum/source'] },
  ssr: { resolve: { conditions: ['@sanctum/source', 'module', 'node', 'development|production'] } },
  test: {
    include: ['test/contract.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: `test-results/${process.env['npm_lifecycle_event'] ?? 'vitest'}.json` },
  },
});
