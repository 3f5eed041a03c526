import { describe, expect, it } from 'vitest';
import { textArray } from '../../src/sql/text-array.js';

describe('textArray', () => {
  it('quotes every element and escapes backslashes and quotes', () => {
    expect(textArray([])).toBe('{}');
    expect(textArray(['a'])).toBe('{"a"}');
    expect(textArray(['a,b', '{x}', 'NULL', ' ', ''])).toBe('{"a,b","{x}","NULL"," ",""}');
    expect(textArray(['say "hi"', 'back\\slash'])).toBe('{"say \\"hi\\"","back\\\\slash"}');
  });

  it('writes SQL NULL for null and undefined, and numbers and booleans as text', () => {
    expect(textArray([null, undefined, 1.5, true, false])).toBe('{NULL,NULL,"1.5","true","false"}');
  });
});
