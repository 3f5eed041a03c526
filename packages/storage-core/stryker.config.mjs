// Mutation testing (Stryker 9, vitest runner) of the modules whose behaviour the public semantics
// rest on. `pnpm test:mutation` runs one Stryker pass per module below (tooling/scripts/mutation.mjs),
// each against only the test files that exercise that module: a static mutant (module-level code)
// re-runs every test of its pass, so a narrow test set keeps a pass short. Each module keeps its own
// incremental file, committed, so a nightly run re-tests only mutants whose code or tests changed.
// Scores and the equivalent mutants are listed in docs/testing-strategy.md ("Mutation testing").
import { fileURLToPath } from 'node:url';
import { mutationSetup } from '../../tooling/scripts/stryker-config.mjs';

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

// Run every covering test of a mutant, not just up to the first failure: the report then names all
// the tests that kill it, so the summary can also say which mutants the older tests alone kill.
export default mutationSetup(modules, 'cache', {
  runner: fileURLToPath(import.meta.resolve('@stryker-mutator/vitest-runner')),
  disableBail: true,
  timeoutMS: 20_000,
});
