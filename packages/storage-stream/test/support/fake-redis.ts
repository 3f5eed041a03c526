import type { RedisArg } from '../../src/redis/codec.js';
import type { CallOptions, ConnectionSettings, RedisConnection } from '../../src/redis/connection.js';
import type { Script } from '../../src/redis/scripts.js';
import type { LogEvent } from '@sanctum/storage-core';
import type { SubscribeRequest } from '@sanctum/storage-core/spi';
import type { RedisStreamStoreOptions } from '../../src/redis/options.js';
import { createRedisStore } from '../../src/redis/stream-store.js';

/** Answers one command (arguments as strings; scripts as `SCRIPT <name> keys… args…`). Throw to fail it. */
export type Responder = (args: string[]) => unknown;

/** A blocking read the test has not answered yet. */
interface PendingRead {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** The parts of a fake server shared by a main connection and its duplicates (readers). */
export class FakeRedisServer {
  readonly calls: string[][] = [];
  /** The connection of each of {@link calls}, by index. */
  readonly via: ('main' | 'reader')[] = [];
  /** Replies for `XREADGROUP`, in order; when empty a read blocks until `CLIENT UNBLOCK` or its BLOCK time. */
  readonly reads: (() => unknown)[] = [];
  readonly pendingReads = new Set<PendingRead>();
  /** `CLIENT UNBLOCK` does nothing while false (a reader that cannot be woken). */
  unblockWorks = true;
  readonly settings: ConnectionSettings[] = [];
  connectError: unknown;
  readerConnectError: unknown;

  constructor(public respond: Responder) {}

  connection(settings: ConnectionSettings): FakeRedisConnection {
    this.settings.push(settings);
    return new FakeRedisConnection(this, false);
  }

  /** Answers every blocked read with nothing (what `CLIENT UNBLOCK` does). */
  unblock(): void {
    for (const read of this.pendingReads) read.resolve(null);
    this.pendingReads.clear();
  }

  /** Waits until `predicate` holds for some recorded call. */
  async waitForCall(predicate: (args: string[]) => boolean, timeoutMs = 3_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.calls.find(predicate);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no matching call among: ${this.calls.map((c) => c.slice(0, 2).join(' ')).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

const text = (arg: RedisArg) => (typeof arg === 'string' ? arg : arg.toString('utf8'));

/** A reply as node-redis returns it: bulk strings as Buffers only for a call that asked for buffers. */
function asRequested(reply: unknown, options: CallOptions | undefined): unknown {
  if (options?.buffers === true) return reply;
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  if (Array.isArray(reply)) return reply.map((item: unknown) => asRequested(item, options));
  return reply;
}

/** A RedisConnection answered by a {@link FakeRedisServer}. */
export class FakeRedisConnection implements RedisConnection {
  destroyed = false;
  closed = false;

  constructor(
    readonly server: FakeRedisServer,
    readonly reader: boolean,
  ) {}

  async command<T>(args: readonly RedisArg[], options?: CallOptions): Promise<T> {
    const strings = args.map(text);
    this.server.calls.push(strings);
    this.server.via.push(this.reader ? 'reader' : 'main');
    await Promise.resolve();
    if (strings[0] === 'XREADGROUP') return asRequested(await this.#read(strings), options) as T;
    if (strings[0] === 'CLIENT' && strings[1] === 'UNBLOCK') {
      if (this.server.unblockWorks) this.server.unblock();
      return 1 as T;
    }
    return asRequested(await this.server.respond(strings), options) as T;
  }

  script<T>(script: Script, keys: readonly string[], args: readonly RedisArg[], options?: CallOptions): Promise<T> {
    return this.command(['SCRIPT', script.name, ...keys, ...args], options);
  }

  duplicate(): RedisConnection {
    return new FakeRedisConnection(this.server, true);
  }

  async connect(): Promise<void> {
    const error = this.reader ? this.server.readerConnectError : this.server.connectError;
    if (error !== undefined) throw error;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  destroy(): void {
    this.destroyed = true;
    for (const read of this.server.pendingReads) read.reject(new Error('destroyed'));
    this.server.pendingReads.clear();
  }

  #read(args: string[]): Promise<unknown> {
    const next = this.server.reads.shift();
    if (next !== undefined) return Promise.resolve().then(next);
    const block = Number(args[args.indexOf('BLOCK') + 1]);
    return new Promise((resolve, reject) => {
      const read: PendingRead = {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.server.pendingReads.delete(read);
        resolve(null);
      }, block);
      this.server.pendingReads.add(read);
    });
  }
}

/** An `XREADGROUP` reply with these entries: `[id, fields]` pairs. */
export function readReply(key: string, entries: readonly (readonly [string, readonly string[] | null])[]): unknown {
  return [[Buffer.from(key), entries.map(([id, fields]) => [Buffer.from(id), fields === null ? null : fields.map((f) => Buffer.from(f))])]];
}

/** A script reply of claimed entries: `[cursor, entries, counts]`. */
export function claimReply(cursor: string, entries: readonly (readonly [string, readonly string[] | null])[], counts: readonly number[]): unknown {
  return [Buffer.from(cursor), entries.map(([id, fields]) => [Buffer.from(id), fields === null ? null : fields.map((f) => Buffer.from(f))]), counts];
}

/** A Redis stream store on `server` with short timings (20 ms reads, 30 ms reclaims), logging into `logs`. */
export function fakeStore(server: FakeRedisServer, options: Partial<RedisStreamStoreOptions> = {}, logs: LogEvent[] = []) {
  return createRedisStore(
    { url: 'redis://fake:6379', blockMs: 20, reclaimIntervalMs: 30, reclaimGraceMs: 0, closeTimeoutMs: 200, ...options },
    { instanceName: 'fake', logger: { log: (event) => logs.push(event) } },
    { connect: (settings) => server.connection(settings) },
  );
}

/** A subscribe request on `ns`/`g` (4 in flight, 2 deliveries, 1 s ack timeout) with `overrides`. */
export const subscribeRequest = (overrides: Partial<SubscribeRequest> & Pick<SubscribeRequest, 'handler'>): SubscribeRequest => ({
  namespace: 'ns',
  group: 'g',
  maxInFlight: 4,
  maxDeliveries: 2,
  ackTimeoutMs: 1_000,
  ...overrides,
});

/**
 * A server that answers like an idle Redis 7: no entries to read or reclaim, every ack and group
 * command accepted. `overrides` win by command (or `SCRIPT <name>`); anything else fails the call.
 */
export function idleRedis(overrides: Record<string, Responder> = {}): FakeRedisServer {
  return new FakeRedisServer((args) => {
    const name = args[0] === 'SCRIPT' ? `SCRIPT ${args[1]!}` : args[0]!;
    const override = overrides[name];
    if (override !== undefined) return override(args);
    switch (name) {
      case 'INFO':
        return '# Server\r\nredis_version:7.0.15\r\n';
      case 'CLIENT':
        return 7;
      case 'PING':
        return 'PONG';
      case 'XGROUP':
        return 'OK';
      case 'XADD':
        return '1-0';
      case 'XACK':
        return 1;
      case 'XCLAIM':
        return [[Buffer.from(args[5]!), [Buffer.from('p'), Buffer.from('again')]]];
      case 'SCRIPT claim-own':
        return claimReply('', [], []);
      case 'SCRIPT reclaim':
        return claimReply('0-0', [], []);
      case 'SCRIPT leave':
        return 1;
      case 'SCRIPT dead-letter':
        return '9-0';
      case 'SCRIPT publish':
        return [1, '1-0'];
      default:
        throw new Error(`unexpected command ${args.join(' ')}`);
    }
  });
}
