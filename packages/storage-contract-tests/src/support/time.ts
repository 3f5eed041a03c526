/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `condition` every few milliseconds until it holds; fails with `description` after
 * `timeoutMs`. The failure names what was awaited, so a hang reads as a clear contract violation.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, description: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for: ${description}`);
    await sleep(5);
  }
}
