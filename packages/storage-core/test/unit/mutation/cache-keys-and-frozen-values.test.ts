import { describe, expect, it } from 'vitest';
import { cacheKey, logicalKeys, physicalKeys } from '../../../src/layers/cache/cache-key.js';
import { frozen, toCacheValue } from '../../../src/layers/cache/cached-value.js';

describe('cache keys', () => {
  it('joins namespace and key with a NUL byte', () => {
    expect(cacheKey('users', 'a/b')).toBe('users\u0000a/b');
  });

  it('logicalKeys keeps only this namespace, strips the prefix, and skips anything that is not a string', () => {
    const physical = ['users\u0000a', 'users2\u0000b', 'other\u0000users\u0000c', 'users\u0000', 42 as unknown as string, 'users'];
    expect(logicalKeys('users', physical)).toEqual(['a', '']);
  });

  it('physicalKeys gives the same string as cacheKey, and the same string for repeated keys', () => {
    const of = physicalKeys('ns');
    expect(of('k')).toBe(cacheKey('ns', 'k'));
    expect(of('k')).toBe(of('k'));
    expect(of('j')).toBe('ns\u0000j');
  });

  it('physicalKeys stays correct past its memo size', () => {
    const of = physicalKeys('ns');
    for (let i = 0; i < 10_050; i++) expect(of(`k${i}`)).toBe(`ns\u0000k${i}`);
    expect(of('k0')).toBe('ns\u0000k0');
  });
});

describe('cached values are deeply frozen (ADR-001)', () => {
  it('freezes objects inside arrays inside objects', () => {
    const value = { list: [{ a: 1 }, [2, { b: 3 }]], nested: { deeper: { c: 4 } }, n: null };
    const out = toCacheValue(value);
    expect(out).toBe(value);
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.list)).toBe(true);
    expect(Object.isFrozen(value.list[0])).toBe(true);
    expect(Object.isFrozen(value.list[1])).toBe(true);
    expect(Object.isFrozen((value.list[1] as unknown[])[1])).toBe(true);
    expect(Object.isFrozen(value.nested.deeper)).toBe(true);
  });

  it('freezes a top-level array and the objects in it', () => {
    const value = [{ a: 1 }, { b: [{ c: 2 }] }];
    frozen(value);
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value[0])).toBe(true);
    expect(Object.isFrozen((value[1] as { b: object[] }).b[0])).toBe(true);
  });

  it('ends at a cycle instead of recursing forever', () => {
    const a: Record<string, unknown> = { name: 'a' };
    const b: Record<string, unknown> = { name: 'b', a };
    a['b'] = b;
    const list: unknown[] = [];
    list.push(list);
    expect(() => frozen(a)).not.toThrow();
    expect(() => frozen(list)).not.toThrow();
    expect(Object.isFrozen(b)).toBe(true);
    expect(Object.isFrozen(list)).toBe(true);
  });

  it('leaves inherited properties alone', () => {
    const proto = { shared: { x: 1 } };
    const value = Object.create(proto) as { own: { y: number }; shared: { x: number } };
    value.own = { y: 2 };
    frozen(value);
    expect(Object.isFrozen(value.own)).toBe(true);
    expect(Object.isFrozen(proto.shared)).toBe(false);
  });

  it('passes primitives and null through', () => {
    expect(frozen(5)).toBe(5);
    expect(frozen('s')).toBe('s');
    expect(frozen(null)).toBeNull();
  });
});
