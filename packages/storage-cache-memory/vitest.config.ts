import { jsonReport, sourceResolution } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  ...sourceResolution,
  test: {
    ...jsonReport,
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
