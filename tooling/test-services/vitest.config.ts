import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@sanctum/source'] },
  // Vite 7 applies resolve.conditions to browser code only; tests run as SSR and need their own.
  ssr: { resolve: { conditions: ['@sanctum/source', 'module', 'node', 'development|production'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // Real servers: generous limits (a Kafka consumer-group join against the mock takes seconds).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One JSON report per script (test:integration, …) for the repo-wide summary line.
    reporters: ['default', 'json'],
    outputFile: { json: `test-results/${process.env['npm_lifecycle_event'] ?? 'vitest'}.json` },
  },
});
