import { strict as assert } from 'node:assert';

/**
 * Compares two strings by Unicode code point (= UTF-8 byte order, PostgreSQL `COLLATE "C"`, S3
 * listings). JavaScript's `<` compares UTF-16 units instead, which puts astral characters (😀,
 * U+1F600) before U+E000–U+FFFF; the kit must not make that mistake itself.
 */
export function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done === true) return y.done === true ? 0 : -1;
    if (y.done === true) return 1;
    const diff = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
}

/**
 * Keys whose code point order differs from case-insensitive, accent-folding, locale and UTF-16
 * orders, listed in code point order: mixed case, accents, U+FFFF and astral characters.
 */
export const CODE_POINT_ORDERED_KEYS: readonly string[] = [
  'B',
  'Z',
  'a',
  'b',
  'z',
  'É',
  'é',
  'ö',
  'ﬀ', // U+FB00
  '\uffff',
  '𝒜', // U+1D49C, a surrogate pair in UTF-16
  '😀', // U+1F600
];

/** Fails unless `keys` is strictly ascending by code point. */
export function assertCodePointOrder(keys: readonly string[]): void {
  for (let index = 1; index < keys.length; index += 1) {
    if (compareCodePoints(keys[index - 1]!, keys[index]!) >= 0) {
      assert.fail(`keys out of code point order or repeated: ${JSON.stringify(keys[index - 1])} then ${JSON.stringify(keys[index])}`);
    }
  }
}
