// Records are JSON, so a plain recursive copy covers almost every value and is an order of magnitude
// faster than structuredClone for small objects. Anything else (Dates, Maps, typed arrays, cycles
// past the depth limit) goes to structuredClone, which also raises DataCloneError for functions.
const MAX_PLAIN_DEPTH = 64;

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function copy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'function' || typeof value === 'symbol' ? structuredClone(value) : value;
  }
  if (depth >= MAX_PLAIN_DEPTH) return structuredClone(value);
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i], depth + 1);
    return out;
  }
  if (!isPlainObject(value)) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    // JSON.parse makes `__proto__` an own data property; plain assignment would set the prototype.
    if (key === '__proto__') {
      Object.defineProperty(out, key, { value: copy(value[key], depth + 1), enumerable: true, writable: true, configurable: true });
    } else {
      out[key] = copy(value[key], depth + 1);
    }
  }
  return out;
}

/** A deep copy of a cache value: plain objects and arrays copied directly, the rest structured-cloned. */
export function cloneValue<T>(value: T): T {
  return copy(value, 0) as T;
}
