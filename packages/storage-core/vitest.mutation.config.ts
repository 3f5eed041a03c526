import { defineConfig } from 'vitest/config';
import { baseline, moduleName, modules } from './stryker.config.mjs';
import base from './vitest.config.js';

// The vitest config Stryker runs (stryker.config.mjs): the unit settings, but only the test files of
// the module under mutation (SANCTUM_MUTATION_MODULE). A plain spread, not mergeConfig, which would
// append this `include` to the base one instead of replacing it.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: modules[moduleName as keyof typeof modules].tests.filter((file) => !baseline || !file.startsWith('test/unit/mutation/')),
  },
});
