import { isStorageError } from '@sanctum/storage-core';

/** Runs `work`; an INVALID_ARGUMENT becomes `fallback` — the silent acceptance the kit must catch. */
export async function quietly<T>(work: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isStorageError(error, 'INVALID_ARGUMENT')) return fallback;
    throw error;
  }
}

/** Every item of a listing, page by page at the largest page size. */
export async function listEverything<T>(list: (cursor: string | undefined) => Promise<{ items: readonly T[]; cursor?: string }>): Promise<T[]> {
  const all: T[] = [];
  let next: string | undefined;
  do {
    const page = await list(next);
    all.push(...page.items);
    next = page.cursor;
  } while (next !== undefined);
  return all;
}

/**
 * One keyset page of `items` in UTF-16 unit order (JavaScript's `<`) after the key `after`: the
 * wrong order for non-ASCII keys, but stable pagination, so only the order tests fail.
 */
export function utf16Page<T extends { readonly key: string }>(items: T[], after: string | undefined, limit: number): { items: T[]; last?: string } {
  const sorted = items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).filter((item) => after === undefined || item.key > after);
  const page = sorted.slice(0, limit);
  return sorted.length > limit ? { items: page, last: page.at(-1)!.key } : { items: page };
}
