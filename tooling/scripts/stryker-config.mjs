// The Stryker settings every package's stryker.config.mjs shares: one pass per module (chosen by
// SANCTUM_MUTATION_MODULE, run by tooling/scripts/mutation.mjs), its own incremental file and
// reports, one test process, the 80% break threshold. A package states only its module table and
// what differs (bail, timeout). See docs/testing-strategy.md ("Mutation testing").
import process from 'node:process';
import { MUTATION_TEST_FILES_ENV } from '../vitest-config/index.js';

/**
 * The module this pass mutates (SANCTUM_MUTATION_MODULE, else `fallback`) and whether it is a
 * baseline pass (SANCTUM_MUTATION_BASELINE=1: the tests under test/*\/mutation/ left out, to measure
 * the score before them). Throws, naming the package's modules, for an unknown module.
 */
export function selectPass(modules, fallback) {
  const moduleName = process.env['SANCTUM_MUTATION_MODULE'] ?? fallback;
  const baseline = process.env['SANCTUM_MUTATION_BASELINE'] === '1';
  const selected = modules[moduleName];
  if (selected === undefined) {
    throw new Error(`SANCTUM_MUTATION_MODULE="${moduleName}" is not a module of this package; use one of: ${Object.keys(modules).join(', ')}`);
  }
  return { moduleName, baseline, selected, suffix: baseline ? `${moduleName}-baseline` : moduleName };
}

/** The test files of a pass: the module's list, less test/*\/mutation/ in a baseline pass. */
export function passTestFiles(pass) {
  return pass.selected.tests.filter((file) => !pass.baseline || !/^test\/(unit|integration)\/mutation\//.test(file));
}

/**
 * Stryker options for one pass. `runner`: the vitest runner plugin's path, resolved from the
 * package (under pnpm it is not visible from Stryker's own folder, nor from here).
 * @returns {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export function strykerOptions({ runner, pass, disableBail = false, timeoutMS }) {
  return {
    plugins: [runner],
    testRunner: 'vitest',
    // vitest.mutation.config.ts narrows the test files to this module's list (read from the same env var).
    vitest: { configFile: 'vitest.mutation.config.ts', related: false },
    coverageAnalysis: 'perTest',
    // By default a mutant stops at its first failing test: running every covering test of every
    // mutant would make a pass several times longer. The report then names one killer per mutant, and
    // the score before the tests of test/*\/mutation/ comes from a pass with
    // SANCTUM_MUTATION_BASELINE=1, which leaves them out (its incremental file seeds the full pass).
    disableBail,
    mutate: pass.selected.mutate,
    incremental: true,
    incrementalFile: `reports/stryker-incremental-${pass.suffix}.json`,
    // Two cores shared with other work: one test process at a time.
    concurrency: 1,
    timeoutMS,
    thresholds: { high: 90, low: 80, break: 80 },
    reporters: ['clear-text', 'progress', 'json', 'html'],
    jsonReporter: { fileName: `reports/mutation/${pass.suffix}.json` },
    htmlReporter: { fileName: `reports/mutation/${pass.suffix}.html` },
    tempDirName: '.stryker-tmp',
    cleanTempDir: 'always',
  };
}

/**
 * The Stryker options of one pass (the package's stryker.config.mjs exports them as its default),
 * with the pass's test files handed to vitest.mutation.config.ts through the environment.
 */
export function mutationSetup(modules, fallback, { runner, disableBail, timeoutMS }) {
  const pass = selectPass(modules, fallback);
  // Stryker runs vitest.mutation.config.ts in a sandbox copy of the package, where this file
  // (../../tooling) does not exist, so that config cannot import the package's stryker.config.mjs.
  // The test runners Stryker starts inherit this environment: the config reads the files from it
  // (mutationTestFiles() of @sanctum/vitest-config).
  process.env[MUTATION_TEST_FILES_ENV] = JSON.stringify(passTestFiles(pass));
  return strykerOptions({ runner, pass, disableBail, timeoutMS });
}
