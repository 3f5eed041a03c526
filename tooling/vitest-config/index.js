// Pieces every package's vitest.config.ts spreads in, so the repo's test wiring lives in one place.

/**
 * Resolve workspace packages to their TypeScript sources through the `@sanctum/source` export
 * condition, so tests need no build. Vite 7 applies `resolve.conditions` to browser code only; tests
 * run in the server (SSR) environment, which needs its own list.
 */
export const sourceResolution = {
  resolve: { conditions: ['@sanctum/source'] },
  ssr: { resolve: { conditions: ['@sanctum/source', 'module', 'node', 'development|production'] } },
};

/**
 * One JSON report per package script (test, test:contracts, test:integration) under test-results/,
 * summed by tooling/scripts/test-summary.mjs into the closing "N passed, N failed" line. A second run of
 * the same script on another Node line (tooling/scripts/test-node24.sh) sets SANCTUM_TEST_RESULTS_SUFFIX
 * so its report sits beside the first instead of replacing it.
 */
export const jsonReport = {
  reporters: ['default', 'json'],
  outputFile: {
    json: `test-results/${process.env['npm_lifecycle_event'] ?? 'vitest'}${process.env['SANCTUM_TEST_RESULTS_SUFFIX'] ?? ''}.json`,
  },
};

/**
 * The environment variable that hands a mutation pass's test files (a JSON array) from the shared
 * Stryker settings (tooling/scripts/stryker-config.mjs) to the package's vitest.mutation.config.ts.
 */
export const MUTATION_TEST_FILES_ENV = 'SANCTUM_MUTATION_TEST_FILES';

/**
 * The test files of the mutation pass being run. vitest.mutation.config.ts runs in Stryker's sandbox,
 * a copy of the package alone, where the shared settings under tooling/ (and so the package's
 * stryker.config.mjs) cannot be imported; this package can, through the package's node_modules.
 */
export function mutationTestFiles() {
  const files = JSON.parse(process.env[MUTATION_TEST_FILES_ENV] ?? 'null');
  if (!Array.isArray(files) || files.length === 0 || !files.every((file) => typeof file === 'string')) {
    throw new Error(`${MUTATION_TEST_FILES_ENV} is not set: run vitest.mutation.config.ts through \`pnpm test:mutation <module>\``);
  }
  return files;
}
