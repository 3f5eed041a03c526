import { describe, expect, it } from 'vitest';
import { StorageError, type LogEvent } from '@sanctum/storage-core';
import { KafkaJSConnectionError, KafkaJSNonRetriableError, logLevel, type Message, type PartitionerArgs } from 'kafkajs';
import { toKafkaMessage, toStreamMessage } from '../../src/kafka/codec.js';
import { kafkaError, mapKafkaError } from '../../src/kafka/errors.js';
import { formatId, parseAfterId, parseTimeFilter, startPlan, timeFilterMetadata } from '../../src/kafka/ids.js';
import { kafkaStreams } from '../../src/kafka/index.js';
import { kafkaStreamOptionsSchema } from '../../src/kafka/options.js';
import { kafkaLogCreator } from '../../src/kafka/log.js';
import { resolveKafkaOptions } from '../../src/kafka/options.js';
import { PartitionTracker } from '../../src/kafka/partitioner.js';
import { BatchProgress, PartitionCommits } from '../../src/kafka/progress.js';

const kafkaLike = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} happened`), { name, ...extra });

describe('Kafka codec', () => {
  it('writes key and headers as they are and reads them back as UTF-8 copies', () => {
    const view = new Uint8Array(new ArrayBuffer(8), 2, 3);
    expect(toKafkaMessage({ payload: view }).value).toHaveLength(3);
    const buffer = Buffer.from('v');
    expect(toKafkaMessage({ payload: buffer, key: 'k', headers: { a: '1' } })).toEqual({ value: buffer, key: 'k', headers: { a: '1' } });
    const record = {
      key: Buffer.from('k'),
      value: Buffer.from('payload'),
      timestamp: '1700000000000',
      attributes: 0,
      offset: '4',
      headers: { a: Buffer.from('1'), b: 'text', c: [Buffer.from('first'), 'second'], d: undefined, e: [] as Buffer[] },
    };
    const message = toStreamMessage('ns', '0:4', record as never, 2);
    expect(message).toMatchObject({ id: '0:4', namespace: 'ns', key: 'k', headers: { a: '1', b: 'text', c: 'first' }, deliveryCount: 2 });
    expect(message.publishedAt.getTime()).toBe(1700000000000);
    expect(Buffer.from(message.payload).toString()).toBe('payload');
    const bare = toStreamMessage('ns', '0:5', { key: null, value: null, timestamp: '0', attributes: 0, offset: '5' } as never, 1);
    expect(bare.key).toBeUndefined();
    expect(bare.payload).toHaveLength(0);
    expect(bare.headers).toEqual({});
  });
});

describe('Kafka ids and start plans', () => {
  it('formats and parses partition positions', () => {
    expect(formatId(3, '42')).toBe('3:42');
    expect(parseAfterId('0:5')).toEqual(new Map([[0, '6']]));
    expect(parseAfterId('0:5, 1:7,0:2,0:9')).toEqual(new Map([[0, '10'], [1, '8']]));
    expect(parseAfterId('0-5')).toBeUndefined();
    expect(parseAfterId('')).toBeUndefined();
  });

  it('turns start positions into plans', () => {
    expect(startPlan(undefined)).toEqual({ kind: 'earliest' });
    expect(startPlan('earliest')).toEqual({ kind: 'earliest' });
    expect(startPlan('latest')).toEqual({ kind: 'latest' });
    expect(startPlan({ afterId: '1:1' })).toEqual({ kind: 'after', positions: new Map([[1, '2']]) });
    expect(startPlan({ afterId: 'x' })).toHaveProperty('invalid');
    expect(startPlan({ afterId: 1 as never })).toHaveProperty('invalid');
    expect(startPlan({ fromTime: new Date(5) })).toEqual({ kind: 'time', time: 5 });
    expect(startPlan({ fromTime: new Date(Number.NaN) })).toHaveProperty('invalid');
    expect(startPlan({ fromTime: '2020' as never })).toHaveProperty('invalid');
    expect(startPlan({ other: 1 } as never)).toHaveProperty('invalid');
    expect(startPlan(3 as never)).toHaveProperty('invalid');
  });

  it('carries a fromTime filter in offset metadata', () => {
    expect(parseTimeFilter(timeFilterMetadata(1234))).toBe(1234);
    expect(parseTimeFilter(null)).toBeUndefined();
    expect(parseTimeFilter(undefined)).toBeUndefined();
    expect(parseTimeFilter('other')).toBeUndefined();
    expect(parseTimeFilter('sanctum:from-time=soon')).toBeUndefined();
  });
});

/** What kafkajs' retrier throws when it gives up on `error` (its typings omit the options argument). */
function nonRetriable(error: Error): Error {
  const Wrapper = KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: Error }) => Error;
  return new Wrapper(error, { cause: error });
}

describe('Kafka error mapping', () => {
  it.each([
    [kafkaLike('KafkaJSProtocolError', { type: 'MESSAGE_TOO_LARGE' }), 'PAYLOAD_TOO_LARGE'],
    [kafkaLike('KafkaJSProtocolError', { type: 'TOPIC_AUTHORIZATION_FAILED' }), 'ACCESS_DENIED'],
    [kafkaLike('KafkaJSProtocolError', { type: 'REQUEST_TIMED_OUT' }), 'TIMEOUT'],
    [kafkaLike('KafkaJSProtocolError', { type: 'NOT_LEADER_FOR_PARTITION', retriable: true }), 'UNAVAILABLE'],
    [kafkaLike('KafkaJSProtocolError', { type: 'CORRUPT_MESSAGE', retriable: false }), 'INTERNAL'],
    [kafkaLike('KafkaJSConnectionError'), 'UNAVAILABLE'],
    [kafkaLike('KafkaJSRequestTimeoutError'), 'TIMEOUT'],
    [kafkaLike('KafkaJSSASLAuthenticationError'), 'ACCESS_DENIED'],
    [kafkaLike('KafkaJSNumberOfRetriesExceeded', { cause: kafkaLike('KafkaJSConnectionClosedError') }), 'UNAVAILABLE'],
    [kafkaLike('KafkaJSNumberOfRetriesExceeded', { originalError: kafkaLike('KafkaJSProtocolError', { type: 'MESSAGE_TOO_LARGE' }) }), 'PAYLOAD_TOO_LARGE'],
    [kafkaLike('KafkaJSNumberOfRetriesExceeded'), 'UNAVAILABLE'],
    [kafkaLike('KafkaJSAggregateError', { errors: [kafkaLike('KafkaJSTimeout')] }), 'TIMEOUT'],
    [kafkaLike('KafkaJSAggregateError', { errors: [] }), 'INTERNAL'],
    // As kafkajs' retrier wraps a connection error it will not retry (seen with the broker link down).
    [nonRetriable(new KafkaJSConnectionError('Connection error: read ECONNRESET')), 'UNAVAILABLE'],
    [new KafkaJSNonRetriableError('Invalid topics array'), 'INTERNAL'],
    [Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'UNAVAILABLE'],
    [Object.assign(new Error('odd'), { code: 'EODD' }), 'INTERNAL'],
    [new StorageError('BACKPRESSURE', 'full'), 'BACKPRESSURE'],
  ])('maps %s to %s', (error, code) => {
    expect(mapKafkaError(error, 'op', 'ns')).toMatchObject({ code, operation: 'op', namespace: 'ns', adapter: 'kafka' });
  });

  it('maps non-errors and deep chains to INTERNAL and keeps the protocol type', () => {
    expect(mapKafkaError('text', 'op')).toMatchObject({ code: 'INTERNAL', message: 'kafka: text' });
    expect(mapKafkaError(null, 'op').code).toBe('INTERNAL');
    let deep: unknown = kafkaLike('KafkaJSConnectionError');
    for (let i = 0; i < 6; i += 1) deep = kafkaLike('KafkaJSNumberOfRetriesExceeded', { cause: deep });
    expect(mapKafkaError(deep, 'op').code).toBe('INTERNAL');
    expect(mapKafkaError(kafkaLike('KafkaJSProtocolError', { type: 'UNSUPPORTED_VERSION' }), 'op').details).toEqual({ type: 'UNSUPPORTED_VERSION' });
    expect(kafkaError('INTERNAL', 'x', 'op')).toMatchObject({ adapter: 'kafka', namespace: undefined });
  });
});

describe('Kafka options, factory and logs', () => {
  it('fills defaults and refuses bad options with CONFIG_INVALID', () => {
    expect(resolveKafkaOptions({ brokers: ['b:9092'] })).toMatchObject({ clientId: 'sanctum-storage', idempotent: true, partitionsConsumedConcurrently: 4 });
    expect(() => resolveKafkaOptions({ brokers: [] })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', details: { issues: [{ path: 'brokers', message: expect.any(String) }] } }),
    );
    expect(() => resolveKafkaOptions({ brokers: ['b:1'], nope: true } as never)).toThrow(/\(root\)/);
    const factory = kafkaStreams();
    expect(factory).toMatchObject({ kind: 'stream', name: 'kafka' });
    expect(factory.optionsSchema).toBe(kafkaStreamOptionsSchema);
    const store = factory.create(resolveKafkaOptions({ brokers: ['127.0.0.1:1'], sasl: { mechanism: 'plain', username: 'u', password: 'p' } }), {
      instanceName: 'k',
      logger: { log: () => undefined },
    });
    expect(store.capabilities).toEqual({ replayFromId: true, replayFromTime: true, ordering: 'per-key' });
  });

  it('routes kafkajs log lines to the structured logger', () => {
    const events: LogEvent[] = [];
    const log = kafkaLogCreator({ log: (event) => events.push(event) }, 'events')(logLevel.WARN);
    log({ namespace: 'Consumer', level: logLevel.ERROR, label: 'ERROR', log: { message: 'crashed', timestamp: 't', error: 'boom' } });
    log({ namespace: 'Producer', level: logLevel.INFO, label: 'INFO', log: { message: 'hello', timestamp: 't', error: { not: 'text' } } as never });
    log({ namespace: 'x', level: 99 as never, label: '?', log: { message: 'odd', timestamp: 't' } });
    expect(events).toEqual([
      { event: 'storage.stream.kafka', level: 'error', adapter: 'kafka', instance: 'events', origin: 'Consumer', message: 'crashed', error: 'boom' },
      { event: 'storage.stream.kafka', level: 'info', adapter: 'kafka', instance: 'events', origin: 'Producer', message: 'hello' },
      { event: 'storage.stream.kafka', level: 'debug', adapter: 'kafka', instance: 'events', origin: 'x', message: 'odd' },
    ]);
    kafkaLogCreator(undefined, undefined)(logLevel.WARN)({ namespace: 'x', level: logLevel.WARN, label: 'WARN', log: { message: 'dropped', timestamp: 't' } });
    const bare: LogEvent[] = [];
    kafkaLogCreator({ log: (event) => bare.push(event) }, undefined)(logLevel.WARN)({ namespace: 'x', level: logLevel.DEBUG, label: 'DEBUG', log: { message: 'm', timestamp: 't' } });
    expect(bare[0]).not.toHaveProperty('instance');
  });
});

describe('PartitionTracker', () => {
  const metadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: partitionId === 2 ? -1 : 0, partitionErrorCode: 0, replicas: [], isr: [] }));
  const args = (message: Message, partitionMetadata = metadata): PartitionerArgs => ({ topic: 't', partitionMetadata, message });

  it('hashes keyed messages, keeps a keyless batch on one live partition, and sticks to earlier choices', () => {
    const tracker = new PartitionTracker();
    const partition = tracker.partitioner(() => (a) => (a.message.key === 'k' ? 1 : 0))();
    const keyed: Message = { key: 'k', value: 'a' };
    const first: Message[] = [{ value: '1' }, { value: '2', key: null }];
    const second: Message[] = [{ value: '3' }];
    tracker.group([keyed, ...first]);
    tracker.group(second);
    expect(partition(args(keyed))).toBe(1);
    const a = partition(args(first[0]!));
    expect(partition(args(first[1]!))).toBe(a);
    const b = partition(args(second[0]!));
    expect(b).not.toBe(a);
    expect([a, b].sort()).toEqual([0, 1]); // partition 2 has no leader
    expect(partition(args(first[0]!))).toBe(a); // a retried send reuses the choice
    expect(tracker.partitionOf(keyed)).toBe(1);
    const orphan: Message = { value: 'x' };
    tracker.group([orphan]);
    const leaderless = metadata.map((p) => ({ ...p, leader: -1 }));
    expect(partition(args(orphan, leaderless))).toBeGreaterThanOrEqual(0);
    expect(partition(args(keyed, [metadata[0]!]))).toBe(1); // partition 1 vanished: chosen again
  });
});

describe('BatchProgress', () => {
  it('commits only the contiguous prefix of finished messages', () => {
    const progress = new BatchProgress(['10', '11', '12']);
    expect(progress.commitOffset).toBeUndefined();
    expect(progress.complete(1)).toBe(false);
    expect(progress.prefix).toBe(0);
    expect(progress.complete(0)).toBe(true);
    expect(progress.lastDone).toBe('11');
    expect(progress.commitOffset).toBe('12');
    expect(progress.complete(2)).toBe(true);
    expect(progress.commitOffset).toBe('13');
  });
});

describe('PartitionCommits', () => {
  it('commits one offset at a time, in order; requests made while one waits share it and commit the newest', async () => {
    const started: string[] = [];
    const gates: Array<() => void> = [];
    const commits = new PartitionCommits(async (offset) => {
      started.push(offset);
      await new Promise<void>((open) => gates.push(open));
      return true;
    });
    const first = commits.request('5');
    await Promise.resolve();
    expect(started).toEqual(['5']);
    // '5' is in flight: '7' and '9' wait for it and go as one commit of '9'.
    const second = commits.request('7');
    const third = commits.request('9');
    expect(third).toBe(second);
    gates.shift()!();
    await first;
    await Promise.resolve();
    expect(started).toEqual(['5', '9']);
    gates.shift()!();
    await third;
    // Nothing new: an offset already committed is not committed again.
    await commits.request('9');
    expect(started).toEqual(['5', '9']);
    await commits.settled();
  });

  it('tries a failed offset again on the next request', async () => {
    const started: string[] = [];
    let ok = false;
    const commits = new PartitionCommits(async (offset) => {
      started.push(offset);
      return ok;
    });
    await commits.request('3');
    ok = true;
    await commits.request('3');
    await commits.request('3');
    expect(started).toEqual(['3', '3']);
  });
});
