/**
 * A PostgreSQL array literal of text elements (`{"a","b\"c",NULL}`), sent as one text parameter
 * and cast in SQL (`$1::text[]`). Every element is quoted, so commas, braces, blanks and the word
 * NULL inside values stay data; `undefined` and `null` become SQL NULL.
 */
export function textArray(values: ReadonlyArray<string | number | boolean | null | undefined>): string {
  let literal = '{';
  for (let index = 0; index < values.length; index += 1) {
    if (index > 0) literal += ',';
    const value = values[index];
    if (value === null || value === undefined) {
      literal += 'NULL';
    } else {
      literal += `"${String(value).replace(/[\\"]/g, (char) => `\\${char}`)}"`;
    }
  }
  return `${literal}}`;
}
