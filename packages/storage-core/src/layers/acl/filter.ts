/** `items` without those `visible` refuses; the same array when it refuses none (sync or async answers). */
export async function filterVisible<T>(items: readonly T[], visible: (item: T) => boolean | Promise<boolean>): Promise<readonly T[]> {
  const answers = items.map(visible);
  const settled = answers.some((a) => a !== true && a !== false) ? await Promise.all(answers) : (answers as boolean[]);
  return settled.every(Boolean) ? items : items.filter((_, i) => settled[i]);
}
