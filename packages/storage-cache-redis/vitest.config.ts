import { jsonReport, sourceResolution } from '@sanctum/vitest-config';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  ...sourceResolution,
  test: {
    ...jsonReport,
    // Real servers on a 2-core machine shared with other suites: few files at once.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // The two-process latency test (p99 ≤ 50 ms) runs alone in `test:faults`, after every other
          // suite, so that its figure is about the cache and not about a CPU shared with other suites.
          exclude: [...configDefaults.exclude, 'test/integration/two-process.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          maxConcurrency: 1,
          // One file at a time: the kill/restart test must not share the CPU with another file.
          fileParallelism: false,
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text', 'json-summary'],
      // perFile at the top level: vitest 3 ignores it inside a glob entry and checks the aggregate.
      thresholds: { lines: 95, functions: 95, branches: 95, statements: 95, perFile: true },
    },
  },
});
