import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@sanctum/source'] },
  // Vite 7 applies resolve.conditions to browser code only; tests run as SSR and need their own.
  ssr: { resolve: { conditions: ['@sanctum/source', 'module', 'node', 'development|production'] } },
  test: {
    // One JSON report per script (test, test:contracts, …) for the repo-wide summary line.
    reporters: ['default', 'json'],
    outputFile: { json: `test-results/${process.env['npm_lifecycle_event'] ?? 'vitest'}.json` },
    include: ['test/**/*.test.ts'],
    // Each test starts the CLI in a child process (tsx compiles it on the fly).
    testTimeout: 30_000,
  },
});
