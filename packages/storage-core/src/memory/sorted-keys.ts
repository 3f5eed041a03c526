/** Strings kept in ascending code-unit order; the index behind keyset listings. */
export class SortedKeys {
  readonly #keys: string[];

  constructor(keys: readonly string[] = []) {
    this.#keys = [...keys];
  }

  get length(): number {
    return this.#keys.length;
  }

  at(index: number): string | undefined {
    return this.#keys[index];
  }

  /** Index of the first key `>= key`. */
  lowerBound(key: string): number {
    let low = 0;
    let high = this.#keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.#keys[mid] as string) < key) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Index of the first key `> key`. */
  upperBound(key: string): number {
    let low = 0;
    let high = this.#keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.#keys[mid] as string) <= key) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Adds `key` unless present. */
  insert(key: string): void {
    const index = this.lowerBound(key);
    if (this.#keys[index] !== key) this.#keys.splice(index, 0, key);
  }

  /** Removes `key` when present. */
  remove(key: string): void {
    const index = this.lowerBound(key);
    if (this.#keys[index] === key) this.#keys.splice(index, 1);
  }

  clone(): SortedKeys {
    return new SortedKeys(this.#keys);
  }
}
