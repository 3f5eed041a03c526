// Mutation testing (Stryker 9, vitest runner) of the stream adapters' subscription and ack code:
// the Redis and Kafka subscriptions (delivery, ack, redelivery, dead letters, commit order) and the
// shared pieces both use (permits, handler deadline, dead-letter headers). Same shape as
// storage-core's stryker.config.mjs: `pnpm test:mutation [module…]` runs one pass per module below
// (tooling/scripts/mutation.mjs), against only the test files listed beside it. The subscription
// tests run against scripted servers speaking the real wire protocols (test/support/fake-*.ts), so
// a pass needs no rig. Each module keeps its own incremental file under reports/, committed.
// Scores and equivalent mutants: docs/testing-strategy.md ("Mutation testing").
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** The modules under mutation testing: what Stryker mutates and which test files may kill it. */
export const modules = {
  'shared': {
    mutate: ['src/shared/permits.ts', 'src/shared/run-handler.ts', 'src/shared/dead-letter.ts'],
    tests: ['test/unit/shared.test.ts', 'test/unit/mutation/permits-and-handler-outcomes.test.ts'],
  },
  // The delivery and ack part of each subscription: handling a batch / an entry, retries, dead
  // letters, acks and offset commits. Their group join, positioning, read loop and shut-down are not
  // under mutation testing yet (not measured; widen these ranges to add them).
  'kafka-subscription': {
    mutate: ['src/kafka/subscription.ts:265-406', 'src/kafka/progress.ts'],
    tests: ['test/unit/kafka-store.test.ts', 'test/unit/kafka-helpers.test.ts'],
  },
  'redis-subscription': {
    mutate: ['src/redis/subscription.ts:204-323'],
    tests: ['test/unit/redis-store.test.ts', 'test/unit/redis-helpers.test.ts', 'test/unit/mutation/redis-delivery-and-acks.test.ts'],
  },
};

export const moduleName = process.env['SANCTUM_MUTATION_MODULE'] ?? 'shared';
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
  timeoutMS: 20_000,
  thresholds: { high: 90, low: 80, break: 80 },
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${suffix}.json` },
  htmlReporter: { fileName: `reports/mutation/${suffix}.html` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
