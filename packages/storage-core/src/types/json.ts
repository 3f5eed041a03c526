/** A value that survives JSON round-trips unchanged. Record values are of this type. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** The scalars JSON keeps as they are. */
export type JsonPrimitive = string | number | boolean | null;

/**
 * `T` itself when every part of it is JSON data; otherwise a type `T` is not assignable to, so
 * `records<T>()` does not compile. Unlike {@link JsonValue} it accepts interfaces and type aliases
 * (which have no index signature), which is how most models are written. Functions, Dates, Maps,
 * Sets, class instances with methods, bigint and symbol are refused; optional and `undefined`
 * object properties are allowed (JSON drops them, which reads back the same).
 *
 * @example
 * interface User { name: string; tags?: string[] }
 * client.records<User>('users'); // compiles
 * interface Bad { name: string; greet(): void }
 * client.records<Bad>('users'); // error: greet is not JSON data
 */
export type JsonCompatible<T> = T extends JsonValue
  ? T
  : T extends bigint | symbol | undefined | ((...args: never[]) => unknown)
    ? never
    : T extends readonly unknown[]
      ? { [K in keyof T]: JsonCompatible<Exclude<T[K], undefined>> }
      : T extends object
        ? JsonShaped<T>
        : never;

/**
 * The constraint of `records<T>()`: `T` mapped property by property to its JSON-compatible form
 * (a mapped type, so `T extends JsonShaped<T>` is a legal self-referencing constraint).
 */
export type JsonShaped<T> = { [K in keyof T]: JsonCompatible<Exclude<T[K], undefined>> | Extract<T[K], undefined> };
