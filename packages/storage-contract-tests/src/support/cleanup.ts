/** The suites' optional `cleanup(namespace)` hook, as the options carry it. */
export type CleanupHook = ((namespace: string) => unknown) | undefined;

/**
 * Runs one test body in `namespace`, then calls `cleanup(namespace)` (after the body's store was
 * closed), whether the body passed or failed. A failing cleanup fails a passing test; after a failed
 * body it is swallowed so the body's own failure is what the runner reports.
 */
export async function withCleanup(cleanup: CleanupHook, namespace: string, body: (namespace: string) => Promise<void>): Promise<void> {
  if (cleanup === undefined) return body(namespace);
  try {
    await body(namespace);
  } catch (error) {
    await Promise.resolve()
      .then(() => cleanup(namespace))
      .catch(() => undefined);
    throw error;
  }
  await cleanup(namespace);
}
