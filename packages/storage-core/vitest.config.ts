import { jsonReport, sourceResolution } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  ...sourceResolution,
  test: {
    include: ['test/**/*.test.ts'],
    ...jsonReport,
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
