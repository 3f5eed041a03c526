import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createStorageClient, isStorageError, type RecordCollection, type StoredRecord } from '../../src/index.js';

// Type tests run in CI through `tsc --noEmit` (typecheck) — every @ts-expect-error must stay an error —
// and through vitest for the runtime half.

interface User {
  name: string;
  email?: string;
  tags: readonly string[];
  address: { city: string; zip: string | null };
}

type Alias = { id: number; roles: Array<'admin' | 'user'>; nickname: string | undefined };

interface WithMethod {
  name: string;
  greet(): string;
}

const client = () => createStorageClient({ schemaVersion: 1, namespaces: { users: { kind: 'record' }, events: { kind: 'stream' } } });

describe('records<T>() types', () => {
  it('accepts interfaces and aliases of JSON data', async () => {
    const c = client();
    const users = c.records<User>('users');
    expectTypeOf(users).toEqualTypeOf<RecordCollection<User>>();
    await users.put('ada', { name: 'Ada', tags: ['math'], address: { city: 'London', zip: null } });
    const ada = await users.get('ada');
    expectTypeOf(ada).toEqualTypeOf<StoredRecord<User>>();
    expect(ada.value.address.city).toBe('London');
    expectTypeOf(c.records<Alias>('users')).toEqualTypeOf<RecordCollection<Alias>>();
    expectTypeOf(c.streams<User>('events').publish).parameter(0).toEqualTypeOf<User>();
    await c.close();
  });

  it('refuses types holding functions, Dates, Maps or bigint', async () => {
    const c = client();
    // @ts-expect-error a method is not JSON data
    c.records<WithMethod>('users');
    // @ts-expect-error a function-valued property is not JSON data
    c.records<{ callback: () => void }>('users');
    // @ts-expect-error a Date is not JSON data (JSON turns it into a string)
    c.records<{ at: Date }>('users');
    // @ts-expect-error a Map is not JSON data
    c.records<{ index: Map<string, number> }>('users');
    // @ts-expect-error bigint has no JSON form
    c.records<{ count: bigint }>('users');
    // @ts-expect-error the same rule applies to stream payloads
    c.streams<WithMethod>('events');
    // The checks are the @ts-expect-error lines above: `pnpm typecheck` fails on any of them that
    // compiles (removing the JsonShaped constraint turns 5 of them into errors). Nothing to assert at run time.
    await c.close();
  });

  it('a value of the wrong shape does not compile for put', async () => {
    const c = client();
    const users = c.records<User>('users');
    // @ts-expect-error `name` must be a string
    await users.put('x', { name: 1, tags: [], address: { city: 'c', zip: null } }).catch(() => undefined);
    await c.close();
  });
});

describe('records(namespace, { schema }): a Standard Schema checks values at runtime', () => {
  const UserSchema = z.object({ name: z.string().min(1), age: z.number().int().nonnegative(), role: z.enum(['admin', 'user']).default('user') });

  it('infers the type from the schema and stores its output (defaults applied)', async () => {
    const c = client();
    const users = c.records('users', { schema: UserSchema });
    expectTypeOf(users).toEqualTypeOf<RecordCollection<z.output<typeof UserSchema>>>();
    await users.put('ada', { name: 'Ada', age: 36 } as never);
    expect((await users.get('ada')).value).toEqual({ name: 'Ada', age: 36, role: 'user' });
    await c.close();
  });

  it('refuses a value the schema rejects with INVALID_ARGUMENT and details.issues, writing nothing', async () => {
    const c = client();
    const users = c.records('users', { schema: UserSchema });
    const attempts = [
      () => users.put('bad', { name: '', age: -1, role: 'user' }),
      () => users.putMany([{ key: 'bad', value: { name: 'x', age: 1.5, role: 'user' } }]),
      () => users.transaction((tx) => tx.put('bad', { name: 'x', age: 1, role: 'root' as never })),
      () => c.records('users').transaction((tx) => tx.records('users', { schema: UserSchema }).put('bad', { name: 'x', age: 'old' as never, role: 'user' })),
    ];
    for (const attempt of attempts) {
      const error: unknown = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isStorageError(error, 'INVALID_ARGUMENT'), String(error)).toBe(true);
      const issues = (error as { details: { issues: unknown } }).details.issues;
      expect(issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.any(String) as unknown, message: expect.any(String) as unknown })]));
    }
    expect(await c.records('users').find('bad')).toBeUndefined();
    await c.close();
  });

  it('refuses something that is not a Standard Schema', () => {
    const c = client();
    expect(() => c.records('users', { schema: { parse: () => 1 } as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error);
  });
});
