import { jsonReport } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Packing six packages and installing them into a scratch project takes tens of seconds on 2 cores.
    testTimeout: 240_000,
    ...jsonReport,
  },
});
