import { jsonReport, sourceResolution } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  ...sourceResolution,
  test: {
    ...jsonReport,
    include: ['test/**/*.test.ts'],
    // Each test starts the CLI in a child process (tsx compiles it on the fly); two cores are shared.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
