import { defineConfig } from 'vitest/config';
import { testFiles } from './stryker.config.mjs';
import base from './vitest.config.js';

// The vitest config Stryker runs (stryker.config.mjs): the package's settings, but one project with
// only the test files of the module under mutation (SANCTUM_MUTATION_MODULE), without coverage.
const { projects: _projects, coverage: _coverage, ...shared } = base.test ?? {};

export default defineConfig({
  ...base,
  test: {
    ...shared,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    include: testFiles,
  },
});
