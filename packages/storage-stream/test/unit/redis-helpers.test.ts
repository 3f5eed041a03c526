import { describe, expect, it } from 'vitest';
import { StorageError } from '@sanctum/storage-core';
import {
  AbortError,
  ClientClosedError,
  ConnectionTimeoutError,
  ErrorReply,
  MultiErrorReply,
  SocketClosedUnexpectedlyError,
  TimeoutError,
} from 'redis';
import { decodeEntry, encodeFields, pushScriptArgs, toOutgoing, type RedisArg } from '../../src/redis/codec.js';
import { createNodeRedisConnection } from '../../src/redis/connection.js';
import { mapRedisError, redisError, replyKind } from '../../src/redis/errors.js';
import { groupStartId, idTime, isStreamId } from '../../src/redis/ids.js';
import { redisStreams } from '../../src/redis/index.js';
import { redisStreamOptionsSchema } from '../../src/redis/options.js';
import { resolveRedisOptions } from '../../src/redis/options.js';
import { CLAIM_OWN, DEAD_LETTER, LEAVE, PUBLISH, RECLAIM } from '../../src/redis/scripts.js';

const b = (value: string) => Buffer.from(value);

describe('Redis codec', () => {
  it('stores payload, key and headers in short fields, and leaves out what is absent', () => {
    expect(encodeFields({ payload: new Uint8Array([1, 2]) })).toEqual(['p', Buffer.from([1, 2])]);
    expect(encodeFields({ payload: b('x'), key: 'k', headers: { a: '1' } })).toEqual(['p', b('x'), 'k', 'k', 'h', '{"a":"1"}']);
    expect(encodeFields({ payload: b('x'), headers: {} })).toEqual(['p', b('x')]);
    const view = new Uint8Array(new ArrayBuffer(8), 2, 3);
    expect((encodeFields({ payload: view })[1] as Buffer).byteLength).toBe(3);
    const args: RedisArg[] = [];
    pushScriptArgs(args, { payload: b('x') });
    pushScriptArgs(args, { payload: b('y'), key: '', headers: {} });
    pushScriptArgs(args, { payload: b('z'), key: 'k', headers: { a: '1' } });
    expect(args).toEqual([b('x'), '', '', b('y'), '=', '', b('z'), '=k', '{"a":"1"}']);
  });

  it('decodes entries, tolerating bad header JSON and foreign fields', () => {
    const message = decodeEntry('ns', '1700000000000-3', [b('p'), b('data'), b('k'), b('key'), b('h'), b('{"a":"1","n":2}')], 2);
    expect(message).toMatchObject({ id: '1700000000000-3', namespace: 'ns', key: 'key', headers: { a: '1' }, deliveryCount: 2 });
    expect(message.publishedAt.getTime()).toBe(1700000000000);
    expect(decodeEntry('ns', '1-0', [b('p'), b(''), b('h'), b('not json')], 1).headers).toEqual({});
    expect(decodeEntry('ns', '1-0', [b('p'), b(''), b('h'), b('[1]')], 1).headers).toEqual({});
    expect(decodeEntry('ns', '1-0', [b('p'), b(''), b('h'), b('null')], 1).headers).toEqual({});
    expect(Buffer.from(decodeEntry('ns', '1-0', [b('order'), b('7'), b('p')], 1).payload).toString()).toBe('{"order":"7"}');
    expect(Buffer.from(decodeEntry('ns', '1-0', [], 1).payload).toString()).toBe('{}');
    expect(toOutgoing(message, { x: 'y' })).toEqual({ key: 'key', payload: message.payload, headers: { x: 'y' } });
    expect(toOutgoing({ ...message, key: undefined } as never, {})).toEqual({ payload: message.payload, headers: {} });
  });
});

describe('Redis ids', () => {
  it('recognises ids and reads their time', () => {
    expect(isStreamId('1-0')).toBe(true);
    expect(isStreamId('12')).toBe(true);
    expect(isStreamId('1-x')).toBe(false);
    expect(idTime('1700-2')).toBe(1700);
    expect(idTime('1700')).toBe(1700);
  });

  it('turns start positions into XGROUP CREATE ids', () => {
    expect(groupStartId(undefined)).toEqual({ id: '0' });
    expect(groupStartId('earliest')).toEqual({ id: '0' });
    expect(groupStartId('latest')).toEqual({ id: '$' });
    expect(groupStartId({ afterId: '5-1' })).toEqual({ id: '5-1' });
    expect(groupStartId({ afterId: 'x' })).toHaveProperty('invalid');
    expect(groupStartId({ afterId: 5 as never })).toHaveProperty('invalid');
    expect(groupStartId({ fromTime: new Date(1_000) })).toEqual({ id: '999-18446744073709551615' });
    expect(groupStartId({ fromTime: new Date(0) })).toEqual({ id: '0' });
    expect(groupStartId({ fromTime: 'yesterday' as never })).toHaveProperty('invalid');
    expect(groupStartId({ somewhere: 1 } as never)).toHaveProperty('invalid');
    expect(groupStartId(7 as never)).toHaveProperty('invalid');
  });
});

describe('Redis error mapping', () => {
  const reply = (message: string) => Object.assign(new ErrorReply(message));

  it.each([
    ['OOM command not allowed when used memory > maxmemory', 'BACKPRESSURE'],
    ['NOPERM this user has no permissions', 'ACCESS_DENIED'],
    ['WRONGTYPE Operation against a key holding the wrong kind of value', 'INVALID_ARGUMENT'],
    ['NOGROUP No such key or consumer group', 'NOT_FOUND'],
    ['READONLY You cannot write against a read only replica.', 'UNAVAILABLE'],
    ['LOADING Redis is loading the dataset in memory', 'UNAVAILABLE'],
    ['ERR Invalid stream ID specified as stream command argument', 'INVALID_ARGUMENT'],
    ['ERR something else', 'INTERNAL'],
    ['WEIRD new kind', 'INTERNAL'],
    ['lowercase reply', 'INTERNAL'],
  ])('maps the reply "%s" to %s', (message, code) => {
    expect(mapRedisError(reply(message), 'op', 'ns')).toMatchObject({ code, operation: 'op', namespace: 'ns', adapter: 'redis-streams' });
  });

  it('maps client failures, socket errors, MULTI failures and anything else', () => {
    expect(mapRedisError(new TimeoutError(), 'op').code).toBe('TIMEOUT');
    expect(mapRedisError(new ConnectionTimeoutError(), 'op').code).toBe('TIMEOUT');
    expect(mapRedisError(new ClientClosedError(), 'op').code).toBe('UNAVAILABLE');
    expect(mapRedisError(new SocketClosedUnexpectedlyError(), 'op').code).toBe('UNAVAILABLE');
    expect(mapRedisError(new AbortError(), 'op').code).toBe('UNAVAILABLE');
    expect(mapRedisError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'op').code).toBe('UNAVAILABLE');
    expect(mapRedisError(Object.assign(new Error('slow'), { code: 'ETIMEDOUT' }), 'op').code).toBe('TIMEOUT');
    expect(mapRedisError(Object.assign(new Error('odd'), { code: 'EODD' }), 'op').code).toBe('INTERNAL');
    expect(mapRedisError(new MultiErrorReply(['id', reply('OOM full')], [1]), 'op').code).toBe('BACKPRESSURE');
    expect(mapRedisError(new MultiErrorReply([], []), 'op').code).toBe('INTERNAL');
    expect(mapRedisError('text', 'op')).toMatchObject({ code: 'INTERNAL', message: 'redis: text' });
    expect(mapRedisError(null, 'op').code).toBe('INTERNAL');
    const own = new StorageError('BACKPRESSURE', 'full');
    expect(mapRedisError(own, 'op', 'ns')).toMatchObject({ code: 'BACKPRESSURE', operation: 'op', adapter: 'redis-streams' });
    expect(replyKind(new Error('BUSYGROUP'))).toBeUndefined();
    expect(redisError('INTERNAL', 'x', 'op')).toMatchObject({ adapter: 'redis-streams', namespace: undefined });
  });
});

describe('Redis options and factory', () => {
  it('fills defaults and refuses bad options with CONFIG_INVALID', () => {
    expect(resolveRedisOptions({ url: 'redis://h:1' })).toMatchObject({ keyPrefix: '', maxPendingPublishes: 10_000, blockMs: 1_000 });
    expect(() => resolveRedisOptions({ url: 'http://x' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => resolveRedisOptions({ url: 'redis://x', blockMs: 0, extra: 1 } as never)).toThrow(/blockMs[\s\S]*\(root\)|\(root\)[\s\S]*blockMs/);
    // The shared SPI shape: details.issues is { path, message }[] (it was string[] here before).
    expect(() => resolveRedisOptions({ url: 'redis://x', blockMs: 0 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', details: { issues: [{ path: 'blockMs', message: expect.any(String) }] } }),
    );
    expect(() => resolveRedisOptions({ url: 'redis://x', blockMs: 5_000, socketTimeoutMs: 5_000 })).toThrow(/socketTimeoutMs must be 0 or longer than blockMs/);
    expect(resolveRedisOptions({ url: 'redis://x', blockMs: 5_000, socketTimeoutMs: 0 }).socketTimeoutMs).toBe(0);
    const factory = redisStreams();
    expect(factory).toMatchObject({ kind: 'stream', name: 'redis-streams' });
    expect(factory.optionsSchema).toBe(redisStreamOptionsSchema);
    const store = factory.create(resolveRedisOptions({ url: 'redis://127.0.0.1:1' }), { instanceName: 'r', logger: { log: () => undefined } });
    expect(store).toMatchObject({ kind: 'stream', name: 'redis-streams', capabilities: { replayFromId: true, replayFromTime: true, ordering: 'total' } });
  });

  it('ships its Lua scripts with their SHA-1', () => {
    for (const script of [PUBLISH, RECLAIM, CLAIM_OWN, DEAD_LETTER, LEAVE]) expect(script.sha).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('node-redis connection', () => {
  it('closes and destroys a client that never connected without throwing', async () => {
    const connection = createNodeRedisConnection({ url: 'redis://127.0.0.1:1', clientName: 'unit', socketTimeoutMs: 5_000, onError: () => undefined });
    await connection.close();
    connection.destroy();
    connection.duplicate().destroy();
  });
});
