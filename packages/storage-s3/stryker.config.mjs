// Mutation testing (Stryker 9, vitest runner) of the S3 adapter's conditional writes (create-only
// puts), pagination (ListObjectsV2 pages and cursors) and multipart / resumable uploads. Same shape
// as storage-core's stryker.config.mjs: `pnpm test:mutation [module…]` runs one pass per module
// below (tooling/scripts/mutation.mjs), against only the test files listed beside it. The
// integration tests use the rig's real S3 (Ceph RGW, found through `.services.env`). Each module
// keeps its own incremental file under reports/, committed.
// Scores and equivalent mutants: docs/testing-strategy.md ("Mutation testing").
import { fileURLToPath } from 'node:url';
import { mutationSetup } from '../../tooling/scripts/stryker-config.mjs';

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
    tests: ['test/unit/part-writer.test.ts', 'test/unit/mutation/part-writer-boundaries.test.ts', 'test/unit/mutation/part-writer-backoff.test.ts'],
  },
  'resumable': {
    mutate: ['src/multipart/resumable.ts', 'src/multipart/session.ts'],
    tests: ['test/integration/resumable.test.ts', 'test/unit/mutation/resumable-state.test.ts', 'test/integration/mutation/resumable-uploads.test.ts'],
  },
};

export default mutationSetup(modules, 'conditional-write', {
  runner: fileURLToPath(import.meta.resolve('@stryker-mutator/vitest-runner')),
  timeoutMS: 60_000,
});
