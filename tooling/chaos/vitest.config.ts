import { jsonReport, sourceResolution } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';

/** The proxy's own tests (loopback sockets only, no servers of the rig) and the profile's. */
export default defineConfig({
  ...sourceResolution,
  test: {
    include: ['test/proxy/**/*.test.ts', 'test/unit/**/*.test.ts'],
    ...jsonReport,
    testTimeout: 20_000,
  },
});
