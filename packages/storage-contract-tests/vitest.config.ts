import { jsonReport, sourceResolution } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  ...sourceResolution,
  test: {
    ...jsonReport,
    include: ['test/**/*.test.ts'],
    // The teeth tests run whole suites programmatically; each run takes a few seconds on memory.
    testTimeout: 60_000,
  },
});
