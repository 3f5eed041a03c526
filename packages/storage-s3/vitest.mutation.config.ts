import { mutationTestFiles } from '@sanctum/vitest-config';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// The vitest config Stryker runs (stryker.config.mjs): the package's settings, but only the test files
// of the module under mutation. They come from the environment (mutationTestFiles(), set by the shared
// Stryker settings when Stryker loads stryker.config.mjs), not from an import of it: this file runs in
// Stryker's sandbox, a copy of the package alone, where the shared settings under tooling/ cannot be
// imported.
// A plain spread, not mergeConfig, which would append this `include` to the base one instead of
// replacing it.
const include = mutationTestFiles();

// The package's 60 s test timeout is for the integration tests' round trips to a real S3. A unit
// test runs in milliseconds, so when a pass runs unit tests only, a mutant that leaves one waiting
// forever (a part slot never released, a promise never settled) fails it after vitest's default
// 5 s instead of holding the pass for a minute per such mutant.
const unitOnly = include.every((file) => file.startsWith('test/unit/'));

export default defineConfig({
  ...base,
  test: { ...base.test, include, ...(unitOnly ? { testTimeout: 5_000, hookTimeout: 5_000 } : {}) },
});
