import { jsonReport, sourceResolution } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';

/**
 * The fault tests (issue 12): a private PostgreSQL stalled and killed under load, every call timed
 * against its deadline. One file, one worker, nothing else running beside it in this run.
 */
export default defineConfig({
  ...sourceResolution,
  test: {
    include: ['test/integration/resilience-faults.test.ts'],
    ...jsonReport,
    fileParallelism: false,
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
