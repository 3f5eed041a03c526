import { defineConfig } from 'vitest/config';

// No source condition: the example resolves @sanctum/* through their published exports (dist), as a
// third-party package would. Unit tests only; the contract suite runs in test:contracts.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/test.json' },
  },
});
