import { jsonReport, sourceResolution } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';

/** The proxy's own tests: loopback sockets only, no servers of the rig. */
export default defineConfig({
  ...sourceResolution,
  test: {
    include: ['test/proxy/**/*.test.ts'],
    ...jsonReport,
    testTimeout: 20_000,
  },
});
