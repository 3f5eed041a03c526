import { describe, expect, it } from 'vitest';
import { cloneValue } from '../src/clone.js';

describe('cloneValue', () => {
  it('deep-copies plain objects and arrays', () => {
    const value = { a: 1, b: 'two', c: [1, { d: true, e: null }], f: Object.assign(Object.create(null) as object, { g: 1 }) };
    const copy = cloneValue(value);
    expect(copy).toEqual(value);
    expect(copy).not.toBe(value);
    expect(copy.c).not.toBe(value.c);
    expect(copy.c[1]).not.toBe(value.c[1]);
  });

  it('copies only own enumerable properties', () => {
    const child = Object.create({ inherited: 1 }) as Record<string, unknown>;
    child['own'] = 2;
    // Not a plain object (custom prototype): structured clone drops the prototype too.
    expect(cloneValue(child)).toEqual({ own: 2 });
  });

  it('structured-clones dates, maps, typed arrays and deep or cyclic values', () => {
    const date = new Date(0);
    const bytes = new Uint8Array([1, 2]);
    const map = new Map([['k', 1]]);
    const copy = cloneValue({ date, bytes, map });
    expect(copy.date).toEqual(date);
    expect(copy.date).not.toBe(date);
    expect(copy.bytes).toEqual(bytes);
    expect(copy.map).toEqual(map);
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    const cycled = cloneValue(cyclic);
    expect(cycled['name']).toBe('loop');
  });

  it('keeps an own __proto__ key as data, without touching the prototype', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const copy = cloneValue(value);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(copy['__proto__']).toEqual({ polluted: true });
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('returns primitives as they are and refuses functions and symbols', () => {
    expect(cloneValue('text')).toBe('text');
    expect(cloneValue(undefined)).toBeUndefined();
    expect(() => cloneValue({ run: () => 1 })).toThrow(expect.objectContaining({ name: 'DataCloneError' }));
    expect(() => cloneValue([Symbol('s')])).toThrow(expect.objectContaining({ name: 'DataCloneError' }));
  });
});
