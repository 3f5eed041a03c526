// Mutation testing (Stryker 9, vitest runner) of the S3 adapter's conditional writes (create-only
// puts), pagination (ListObjectsV2 pages and cursors) and multipart / resumable uploads. Same shape
// as storage-core's stryker.config.mjs: `pnpm test:mutation [module…]` runs one pass per module
// below (tooling/scripts/mutation.mjs), against only the test files listed beside it. The
// integration tests use the rig's real S3 (Ceph RGW, found through `.services.env`). Each module
// keeps its own incremental file under reports/, committed.
// Scores and equivalent mutants: docs/testing-strategy.md ("Mutation testing").
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** The modules under mutation testing: what Stryker mutates and which test files may kill it. */
export const modules = {
  'conditional-write': {
    mutate: ['src/conditions.ts'],
    tests: [
      'test/unit/store.test.ts',
      'test/integration/data-path.test.ts',
      'test/integration/errors.test.ts',
      'test/integration/mutation/conditional-writes.test.ts',
    ],
  },
  'pagination': {
    mutate: ['src/list.ts'],
    tests: ['test/integration/errors.test.ts', 'test/integration/multipart.test.ts', 'test/integration/mutation/pagination.test.ts'],
  },
  // The part writer and its slots, in two passes: one pass over both files ran at about 20 s per
  // mutant on the 2-core machine under load 7-9 (171 mutants), too long for a single sitting.
  'part-slots': {
    mutate: ['src/multipart/part-slots.ts'],
    tests: ['test/unit/part-writer.test.ts', 'test/unit/mutation/part-slots-failure.test.ts'],
  },
  'part-writer': {
    mutate: ['src/multipart/part-writer.ts'],
    tests: ['test/unit/part-writer.test.ts'],
  },
  'resumable': {
    mutate: ['src/multipart/resumable.ts', 'src/multipart/session.ts'],
    tests: ['test/integration/resumable.test.ts', 'test/integration/mutation/resumable-uploads.test.ts'],
  },
};

export const moduleName = process.env['SANCTUM_MUTATION_MODULE'] ?? 'conditional-write';
/** SANCTUM_MUTATION_BASELINE=1: leave out test/*\/mutation/ (the tests written to kill survivors), to measure the score before them. */
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
  // A mutant stops at its first failing test: running every covering test of every mutant would make
  // a pass several times longer. So the report names one killer per mutant, and the score before the
  // tests of test/*/mutation/ comes from a pass with SANCTUM_MUTATION_BASELINE=1, which leaves them out
  // (its incremental file seeds the full pass, which then re-tests only what those tests cover).
  disableBail: false,
  mutate: selected.mutate,
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${suffix}.json`,
  // Two cores shared with other work: one test process at a time.
  concurrency: 1,
  timeoutMS: 60_000,
  thresholds: { high: 90, low: 80, break: 80 },
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${suffix}.json` },
  htmlReporter: { fileName: `reports/mutation/${suffix}.html` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
