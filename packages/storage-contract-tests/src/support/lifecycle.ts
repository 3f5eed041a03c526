/** The lifecycle part of every store. */
export interface Openable {
  open?(): Promise<void>;
  close?(): Promise<void>;
}

/**
 * Creates and opens a store, runs `body`, then closes it, whatever happened. A failing close is
 * reported only when the body passed, so it never hides the body's own failure.
 */
export async function withStore<S extends Openable>(create: () => S | Promise<S>, body: (store: S) => Promise<void>): Promise<void> {
  const store = await create();
  await store.open?.();
  try {
    await body(store);
  } catch (error) {
    await store.close?.().catch(() => undefined);
    throw error;
  }
  await store.close?.();
}
