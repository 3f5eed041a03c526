import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createStorageClient, isStorageError, validateConfig, type StorageErrorCode } from '../../src/index.js';

// Every case of issue 9's "Validation has holes" list, through the facade: each must answer with a
// StorageError of the documented code (docs/errors.md, docs/adr/005-validation-rules.md) — never a
// raw TypeError/RangeError, never a silent acceptance.

const LONE = 'a\ud800b';
const deep = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i += 1) value = [value];
  return value;
};
const sparse = (): unknown => {
  const holes: unknown[] = [1];
  holes[2] = 3;
  return holes;
};
const cyclic = (): unknown => {
  const value: Record<string, unknown> = {};
  value['self'] = value;
  return value;
};

function client() {
  return createStorageClient({
    schemaVersion: 1,
    namespaces: {
      users: { kind: 'record', maxValueBytes: 4 * 1024 },
      other: { kind: 'record' },
      media: { kind: 'blob' },
      events: { kind: 'stream', maxPayloadBytes: 64 },
    },
  });
}

type Case = readonly [name: string, code: StorageErrorCode, run: (c: ReturnType<typeof client>) => Promise<unknown>];

const noop = async (): Promise<void> => undefined;

const CASES: readonly Case[] = [
  ['a transaction put larger than the namespace allows', 'PAYLOAD_TOO_LARGE', (c) => c.records('users').transaction((tx) => tx.put('k', 'x'.repeat(5000)))],
  ['a transaction put into another namespace, over that namespace\'s limit', 'PAYLOAD_TOO_LARGE', (c) => c.records('other').transaction((tx) => tx.records('users').put('k', 'x'.repeat(5000)))],
  ['a 5 MiB transaction put into a namespace of the default 4 MiB', 'PAYLOAD_TOO_LARGE', (c) => c.records('users').transaction((tx) => tx.records('other').put('k', 'x'.repeat(5 * 1024 * 1024)))],
  ['a transaction put of a Date', 'INVALID_ARGUMENT', (c) => c.records('users').transaction((tx) => tx.put('k', new Date() as never))],
  ['a transaction put into another namespace of a Map', 'INVALID_ARGUMENT', (c) => c.records('users').transaction((tx) => tx.records('other').put('k', new Map() as never))],
  ['a transaction get with a lone surrogate key', 'INVALID_ARGUMENT', (c) => c.records('users').transaction((tx) => tx.get(LONE))],
  ['a stream payload holding a BigInt', 'INVALID_ARGUMENT', (c) => c.streams('events').publish({ n: 1n } as never)],
  ['a circular stream payload', 'INVALID_ARGUMENT', (c) => c.streams('events').publish(cyclic() as never)],
  ['a stream payload nested 10 000 levels deep', 'INVALID_ARGUMENT', (c) => c.streams('events').publish(deep(10_000) as never)],
  ['a publishBatch payload holding a BigInt', 'INVALID_ARGUMENT', (c) => c.streams('events').publishBatch([{ payload: 1 }, { payload: 2n as never }])],
  ['publishBatch of something that is not an array', 'INVALID_ARGUMENT', (c) => c.streams('events').publishBatch('x' as never)],
  ['subscribe with a handler that is not a function', 'INVALID_ARGUMENT', (c) => c.streams('events').subscribe('g1', 'not a function' as never)],
  ['subscribe with a bad group name', 'INVALID_ARGUMENT', (c) => c.streams('events').subscribe('bad group!', noop)],
  ['getMany of a string', 'INVALID_ARGUMENT', (c) => c.records('users').getMany('x' as never)],
  ['getMany with a lone surrogate key', 'INVALID_ARGUMENT', (c) => c.records('users').getMany(['a', LONE])],
  ["consistency: 'bogus'", 'INVALID_ARGUMENT', (c) => c.records('users').get('k', { consistency: 'bogus' as never })],
  [
    'a record cursor from another namespace',
    'INVALID_ARGUMENT',
    async (c) => {
      for (const key of ['a', 'b', 'c']) await c.records('other').put(key, 1);
      const { cursor } = await c.records('other').list({ limit: 1 });
      return c.records('users').list({ cursor: cursor! });
    },
  ],
  [
    'a record cursor from another prefix',
    'INVALID_ARGUMENT',
    async (c) => {
      for (const key of ['a1', 'a2', 'a3']) await c.records('users').put(key, 1);
      const { cursor } = await c.records('users').list({ limit: 1, prefix: 'a' });
      return c.records('users').list({ cursor: cursor!, prefix: 'b' });
    },
  ],
  ['stream headers that push a message past the payload limit', 'PAYLOAD_TOO_LARGE', (c) => c.streams('events').publish('x', { headers: { big: 'y'.repeat(60) } })],
  ['a stream header with CR/LF', 'INVALID_ARGUMENT', (c) => c.streams('events').publish('x', { headers: { h: 'a\r\nb' } })],
  ['per-call maxInFlight 1e9', 'INVALID_ARGUMENT', (c) => c.streams('events').subscribe('g2', noop, { maxInFlight: 1e9 })],
  ['publish timeoutMs -1', 'INVALID_ARGUMENT', (c) => c.streams('events').publish('x', { timeoutMs: -1 })],
  ['publish timeoutMs NaN', 'INVALID_ARGUMENT', (c) => c.streams('events').publish('x', { timeoutMs: Number.NaN })],
  ['publish timeoutMs above 2^31-1', 'INVALID_ARGUMENT', (c) => c.streams('events').publish('x', { timeoutMs: 2 ** 31 })],
  ['per-call ackTimeoutMs above 2^31-1', 'INVALID_ARGUMENT', (c) => c.streams('events').subscribe('g3', noop, { ackTimeoutMs: 2 ** 31 })],
  ['a lone-surrogate record key', 'INVALID_ARGUMENT', (c) => c.records('users').put(LONE, 1)],
  ['a lone-surrogate blob key', 'INVALID_ARGUMENT', (c) => c.blobs('media').put(LONE, 'x')],
  ['a lone-surrogate message key', 'INVALID_ARGUMENT', (c) => c.streams('events').publish('x', { key: LONE })],
  ['a blob body that is neither bytes nor a stream', 'INVALID_ARGUMENT', (c) => c.blobs('media').put('k', { not: 'a body' } as never)],
  ['a blob body that is a number', 'INVALID_ARGUMENT', (c) => c.blobs('media').put('k', 42 as never)],
  ['CRLF in contentType', 'INVALID_ARGUMENT', (c) => c.blobs('media').put('k', 'x', { contentType: 'text/plain\r\nx-injected: 1' })],
  ['ttlMs 0', 'INVALID_ARGUMENT', (c) => c.records('users').put('k', 1, { ttlMs: 0 })],
  ['ttlMs NaN', 'INVALID_ARGUMENT', (c) => c.records('users').put('k', 1, { ttlMs: Number.NaN })],
  ['list limit 1001', 'INVALID_ARGUMENT', (c) => c.records('users').list({ limit: 1001 })],
  ['putMany with a repeated key', 'INVALID_ARGUMENT', (c) => c.records('users').putMany([{ key: 'k', value: 1 }, { key: 'k', value: 2 }])],
  ['a Date inside a record value', 'INVALID_ARGUMENT', (c) => c.records('users').put('k', { at: new Date() } as never)],
  ['NaN inside a record value', 'INVALID_ARGUMENT', (c) => c.records('users').put('k', { n: Number.NaN })],
  ['Infinity inside a record value', 'INVALID_ARGUMENT', (c) => c.records('users').put('k', [Number.POSITIVE_INFINITY])],
  ['a Map inside a record value', 'INVALID_ARGUMENT', (c) => c.records('users').put('k', { m: new Map([['a', 1]]) } as never)],
  ['a Set inside a record value', 'INVALID_ARGUMENT', (c) => c.records('users').put('k', { s: new Set([1]) } as never)],
  ['a function inside a record value', 'INVALID_ARGUMENT', (c) => c.records('users').put('k', { f: () => 1 } as never)],
  ['a BigInt record value', 'INVALID_ARGUMENT', (c) => c.records('users').put('k', 1n as never)],
  ['undefined inside an array of a record value', 'INVALID_ARGUMENT', (c) => c.records('users').put('k', [1, undefined] as never)],
  ['a sparse array in a record value', 'INVALID_ARGUMENT', (c) => c.records('users').put('k', sparse() as never)],
  ['a putMany entry value holding a Date', 'INVALID_ARGUMENT', (c) => c.records('users').putMany([{ key: 'a', value: new Date() as never }])],
  ['a record value nested 200 levels deep', 'INVALID_ARGUMENT', (c) => c.records('users').put('k', deep(200) as never)],
];

describe('every case of the validation corpus answers with a StorageError of its code (facade)', () => {
  it.each(CASES)('%s → %s', async (_name, code, run) => {
    const c = client();
    let outcome: unknown;
    try {
      outcome = await run(c);
    } catch (error) {
      if (!isStorageError(error)) throw new Error(`raw error escaped: ${String(error)}`, { cause: error });
      expect(error.code, error.message).toBe(code);
      expect(typeof error.details?.['field']).toBe('string');
      return;
    } finally {
      await c.close();
    }
    throw new Error(`silently accepted; returned ${String(JSON.stringify(outcome))}`);
  });

  it('a BigInt schemaVersion is reported by validateConfig, not thrown', () => {
    const result = validateConfig({ schemaVersion: 1n, namespaces: {} });
    expect(result).toEqual({ ok: false, issues: [{ path: 'schemaVersion', message: expect.stringContaining('BigInt') as unknown }] });
  });

  it('an ackTimeoutMs above 2^31-1 in the config is CONFIG_INVALID', () => {
    const result = validateConfig({ schemaVersion: 1, namespaces: { e: { kind: 'stream', ackTimeoutMs: 2 ** 31 } } });
    expect(result.ok).toBe(false);
    expect(() => createStorageClient({ schemaVersion: 1, namespaces: { e: { kind: 'stream', ackTimeoutMs: 2 ** 31 } } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }) as Error,
    );
  });

  it('JSON data at the edges is accepted and reads back equal', async () => {
    const c = client();
    const users = c.records('users');
    const value = { a: [1, 'two', null, true, { b: -0 }], c: 'Grüße 😀', d: undefined, e: deep(100) };
    await users.put('k', value as never);
    expect((await users.get('k')).value).toEqual({ a: [1, 'two', null, true, { b: 0 }], c: 'Grüße 😀', e: deep(100) });
    await c.blobs('media').put('stream', Readable.from([Buffer.from('abc')]), { contentType: 'text/plain; charset=utf-8' });
    expect((await c.blobs('media').getBytes('stream')).toString()).toBe('abc');
    await c.close();
  });
});
