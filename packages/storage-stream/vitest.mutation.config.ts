import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// The vitest config Stryker runs (stryker.config.mjs): the package's settings, but one project with
// only the test files of the module under mutation (SANCTUM_MUTATION_MODULE), without coverage.
// Those files come through the environment (set by mutationSetup() in tooling/scripts/stryker-config.mjs):
// Stryker runs this config in a sandbox copy of the package, from which stryker.config.mjs's import
// of ../../tooling does not resolve.
const testFiles: unknown = JSON.parse(process.env['SANCTUM_MUTATION_TEST_FILES'] ?? 'null');
if (!Array.isArray(testFiles) || testFiles.length === 0) {
  throw new Error('vitest.mutation.config.ts: SANCTUM_MUTATION_TEST_FILES is unset; run it through `pnpm test:mutation <module>`');
}
const { projects: _projects, coverage: _coverage, ...shared } = base.test ?? {};

export default defineConfig({
  ...base,
  test: {
    ...shared,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    include: testFiles as string[],
  },
});
