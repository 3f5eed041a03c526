import { mutationTestFiles } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// The vitest config Stryker runs (stryker.config.mjs): the package's settings, but only the test files
// of the module under mutation, handed over through the environment (Stryker runs this file in a
// sandbox copy of the package, which cannot import the shared settings under tooling/). A plain
// spread, not mergeConfig, which would append this `include` to the base one instead of replacing it.
export default defineConfig({
  ...base,
  test: { ...base.test, include: mutationTestFiles() },
});
