import { mutationTestFiles } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// The vitest config Stryker runs (stryker.config.mjs): the package's settings, but one project with
// only the test files of the module under mutation (SANCTUM_MUTATION_MODULE), without coverage.
// Those files come through the environment, set by mutationSetup() in tooling/scripts/stryker-config.mjs:
// Stryker runs this config in a sandbox copy of the package, from which stryker.config.mjs's import
// of ../../tooling does not resolve.
const { projects: _projects, coverage: _coverage, ...shared } = base.test ?? {};

export default defineConfig({
  ...base,
  test: {
    ...shared,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    include: mutationTestFiles(),
  },
});
