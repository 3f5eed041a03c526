import { jsonReport, sourceResolution } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  ...sourceResolution,
  test: {
    ...jsonReport,
    // Real servers on a 2-core machine: few files at once. --expose-gc: the backpressure tests
    // measure the heap after a collection.
    poolOptions: { forks: { maxForks: 2, minForks: 1, execArgv: ['--expose-gc'] } },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Real servers: generous per-test time, and few files at once on a 2-core machine.
          testTimeout: 120_000,
          hookTimeout: 60_000,
          maxConcurrency: 1,
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text', 'json-summary'],
      // Both adapters are held to the same bar, file by file (perFile only works at this level).
      thresholds: { lines: 95, functions: 95, branches: 95, statements: 95, perFile: true },
    },
  },
});
