import { jsonReport, sourceResolution } from '@sanctum/vitest-config';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  ...sourceResolution,
  test: {
    include: ['test/**/*.test.ts'],
    // The fault tests time calls to ±100 ms: they run alone (`test:faults`), not beside other files.
    exclude: [...configDefaults.exclude, 'test/integration/resilience-faults.test.ts'],
    ...jsonReport,
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
