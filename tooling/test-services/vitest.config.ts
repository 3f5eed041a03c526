import { jsonReport, sourceResolution } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  ...sourceResolution,
  test: {
    include: ['test/**/*.test.ts'],
    // Real servers: generous limits (a Kafka consumer-group join against the mock takes seconds).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    ...jsonReport,
  },
});
