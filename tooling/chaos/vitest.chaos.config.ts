import { jsonReport, sourceResolution } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';

/**
 * The chaos scenarios (`pnpm test:chaos`): private servers stalled and killed, the rig's S3 and Kafka
 * behind the fault proxy, calls timed against their deadlines. One file at a time, one worker, so
 * no scenario's faults or timings leak into another's.
 */
export default defineConfig({
  ...sourceResolution,
  test: {
    include: ['test/scenarios/**/*.chaos.test.ts'],
    ...jsonReport,
    fileParallelism: false,
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
