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
