/**
 * Compares by Unicode code point, which is UTF-8 byte order: the order PostgreSQL (COLLATE "C") and
 * S3 list keys in. JavaScript's `<` compares UTF-16 code units instead, which differs only where a
 * surrogate pair (a code point above U+FFFF) meets a character in U+E000–U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate && (xSurrogate ? y : x) >= 0xe000) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Strings kept in ascending code point order; the index behind keyset listings. */
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
      if (compareKeys(this.#keys[mid] as string, key) < 0) low = mid + 1;
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
      if (compareKeys(this.#keys[mid] as string, key) <= 0) low = mid + 1;
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
