/** Keys every adapter refuses with INVALID_ARGUMENT (core's key rules; docs/adr/005). */
export const BAD_KEYS: ReadonlyArray<readonly [name: string, key: unknown]> = [
  ['an empty key', ''],
  ['a number', 42],
  ['null', null],
  ['a lone high surrogate', 'lone\ud800'],
  ['a lone low surrogate', 'lone\udc00x'],
  ['a NUL character', 'a\u0000b'],
  ['a newline', 'a\nb'],
  ['a ".." segment', 'a/../b'],
];

function cycle(): unknown {
  const value: Record<string, unknown> = {};
  value['self'] = value;
  return value;
}

function nested(levels: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < levels; i += 1) value = { v: value };
  return value;
}

/** Values JSON would silently change or cannot hold; every adapter refuses them with INVALID_ARGUMENT. */
export const BAD_VALUES: ReadonlyArray<readonly [name: string, make: () => unknown]> = [
  ['a Date', () => ({ at: new Date(0) })],
  ['NaN', () => ({ n: Number.NaN })],
  ['Infinity', () => [Number.POSITIVE_INFINITY]],
  ['a Map', () => ({ m: new Map([['a', 1]]) })],
  ['a Set', () => new Set([1])],
  ['a function', () => ({ f: () => 1 })],
  ['a BigInt', () => ({ n: 1n })],
  ['a cycle', cycle],
  ['undefined', () => undefined],
  ['undefined in an array', () => [1, undefined]],
  ['a lone surrogate in a string', () => ({ s: 'x\ud800' })],
  ['nesting 1000 levels deep', () => nested(1000)],
];
