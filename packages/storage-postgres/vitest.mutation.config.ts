import { defineConfig } from 'vitest/config';
import { testFiles } from './stryker.config.mjs';
import base from './vitest.config.js';

// The vitest config Stryker runs (stryker.config.mjs): the package's settings, but only the test files
// of the module under mutation (SANCTUM_MUTATION_MODULE). A plain spread, not mergeConfig, which would
// append this `include` to the base one instead of replacing it.
export default defineConfig({
  ...base,
  test: { ...base.test, include: testFiles },
});
