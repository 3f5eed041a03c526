import { jsonReport, sourceResolution } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';

/**
 * The timing-sensitive test of this package: two processes on the rig's PostgreSQL and Redis, B's
 * eventual reads timed against A's acknowledged writes (p99 ≤ 50 ms). It runs in the root test
 * command's last step (`test:faults`), alone, so a busy CPU from other suites does not decide it.
 */
export default defineConfig({
  ...sourceResolution,
  test: {
    include: ['test/integration/two-process.test.ts'],
    ...jsonReport,
    fileParallelism: false,
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
