import { jsonReport, sourceResolution } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';

// The shared CacheStore contract suite (`pnpm test:contracts`); unit tests and coverage live in vitest.config.ts.
export default defineConfig({
  ...sourceResolution,
  test: {
    include: ['test/contract.test.ts'],
    ...jsonReport,
  },
});
