import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each test starts the CLI in a child process (tsx compiles it on the fly).
    testTimeout: 30_000,
  },
});
