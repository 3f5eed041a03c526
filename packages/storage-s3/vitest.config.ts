import { jsonReport, sourceResolution } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  ...sourceResolution,
  test: {
    include: ['test/**/*.test.ts'],
    ...jsonReport,
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
