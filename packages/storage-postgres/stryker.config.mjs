// Mutation testing (Stryker 9, vitest runner) of the PostgreSQL adapter's conditional writes (the
// ifMatch / ifNoneMatch statements and the checks of their results) and its keyset pagination
// (cursors, prefix ranges, pages). Same shape as storage-core's stryker.config.mjs: `pnpm
// test:mutation [module…]` runs one pass per module below (tooling/scripts/mutation.mjs), against
// only the test files listed beside it. The tests use the rig's real PostgreSQL (found through
// `.services.env`, like the other integration tests). Line ranges keep a pass to the code of its
// module. Each module keeps its own incremental file under reports/, committed.
// Scores and equivalent mutants: docs/testing-strategy.md ("Mutation testing").
import { fileURLToPath } from 'node:url';
import { mutationSetup } from '../../tooling/scripts/stryker-config.mjs';

/** The modules under mutation testing: what Stryker mutates and which test files may kill it. */
export const modules = {
  'conditional-write': {
    mutate: [
      // put / splice / delete with their conditions, and which condition a request asks for.
      'src/record-ops.ts:38-88',
      'src/validate.ts',
      // The statements of put, putCreate (ifNoneMatch), putMatch (ifMatch), delete and deleteMatch.
      'src/sql/statements.ts:117-133',
      'src/sql/statements.ts:150-186',
    ],
    tests: ['test/integration/contract.test.ts', 'test/integration/mutation/conditional-writes.test.ts'],
  },
  'pagination': {
    mutate: ['src/cursor.ts', 'src/record-ops.ts:90-106', 'src/sql/statements.ts:134-140', 'src/sql/statements.ts:196-203'],
    tests: [
      'test/unit/cursor.test.ts',
      'test/unit/mutation/cursor-refusals.test.ts',
      'test/integration/listing.test.ts',
      'test/integration/contract.test.ts',
      'test/integration/mutation/pagination.test.ts',
    ],
  },
};

export default mutationSetup(modules, 'conditional-write', {
  runner: fileURLToPath(import.meta.resolve('@stryker-mutator/vitest-runner')),
  timeoutMS: 60_000,
});
