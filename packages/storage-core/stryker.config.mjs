// Mutation testing (Stryker 9, vitest runner) of the modules whose behaviour the public semantics
// rest on. `pnpm test:mutation` runs one Stryker pass per module below (tooling/scripts/mutation.mjs),
// each against only the test files that exercise that module: a static mutant (module-level code)
// re-runs every test of its pass, so a narrow test set keeps a pass short. Each module keeps its own
// incremental file, committed, so a nightly run re-tests only mutants whose code or tests changed.
// Scores and the equivalent mutants are listed in docs/testing-strategy.md ("Mutation testing").
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** The modules under mutation testing: what Stryker mutates and which test files may kill it. */
export const modules = {
  'cache': {
    mutate: ['src/layers/cache/**/*.ts'],
    tests: [
      'test/unit/cache-coherence.test.ts',
      'test/unit/consistency.test.ts',
      'test/unit/single-flight.test.ts',
      'test/unit/facade-records.test.ts',
      'test/unit/mutation/write-tracker-fences.test.ts',
      'test/unit/mutation/cache-keys-and-frozen-values.test.ts',
      'test/unit/mutation/cache-layer-policies.test.ts',
      'test/unit/mutation/cache-reads-without-own-writes.test.ts',
    ],
  },
  'validation': {
    mutate: ['src/validation/**/*.ts', 'src/layers/validate/**/*.ts'],
    tests: [
      'test/unit/validation.test.ts',
      'test/unit/validation-corpus.test.ts',
      'test/unit/client-input.test.ts',
      'test/unit/mutation/validation-rulebook-messages.test.ts',
      'test/unit/mutation/validate-layers.test.ts',
      'test/unit/mutation/validation-edges.test.ts',
    ],
  },
  'errors': {
    mutate: ['src/errors/**/*.ts'],
    tests: ['test/unit/errors.test.ts', 'test/unit/mutation/error-codes-public-api.test.ts'],
  },
  'resilience': {
    mutate: ['src/layers/resilience/**/*.ts'],
    tests: [
      'test/unit/resilience-breaker.test.ts',
      'test/unit/resilience-retry.test.ts',
      'test/unit/mutation/breaker-windows.test.ts',
      'test/unit/mutation/retry-budget-and-policies.test.ts',
      'test/unit/mutation/deadline-slots-and-calls.test.ts',
      'test/unit/mutation/resilience-layer-wiring.test.ts',
    ],
  },
};

export const moduleName = process.env['SANCTUM_MUTATION_MODULE'] ?? 'cache';
/** SANCTUM_MUTATION_BASELINE=1: leave out test/unit/mutation/ (the tests written to kill survivors), to measure the score before them. */
export const baseline = process.env['SANCTUM_MUTATION_BASELINE'] === '1';
const suffix = baseline ? `${moduleName}-baseline` : moduleName;
const selected = modules[moduleName];
if (selected === undefined) {
  throw new Error(`SANCTUM_MUTATION_MODULE="${moduleName}" is not a module of this package; use one of: ${Object.keys(modules).join(', ')}`);
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  // Under pnpm the runner is not visible from Stryker's own folder; name it by path.
  plugins: [fileURLToPath(import.meta.resolve('@stryker-mutator/vitest-runner'))],
  testRunner: 'vitest',
  // vitest.mutation.config.ts narrows the test files to this module's list (read from the same env var).
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  coverageAnalysis: 'perTest',
  // Run every covering test of a mutant, not just up to the first failure: the report then names all
  // the tests that kill it, so the summary can also say which mutants the older tests alone kill.
  disableBail: true,
  mutate: selected.mutate,
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${suffix}.json`,
  // Two cores shared with other work: one test process at a time.
  concurrency: 1,
  timeoutMS: 20_000,
  thresholds: { high: 90, low: 80, break: 80 },
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${suffix}.json` },
  htmlReporter: { fileName: `reports/mutation/${suffix}.html` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
