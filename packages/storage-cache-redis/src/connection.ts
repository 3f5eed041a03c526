import { createClient, RESP_TYPES } from 'redis';
import type { RedisCacheOptions } from './options.js';

const BUFFERS = { [RESP_TYPES.BLOB_STRING]: Buffer } as const;
const MAX_RECONNECT_DELAY_MS = 1_000;

type Reply = Buffer | null;

/**
 * The slice of a node-redis client the cache uses, with bulk strings as Buffers. Declared here so
 * the package's types do not spell out node-redis' module-extended client type.
 */
export interface CacheClient {
  readonly isReady: boolean;
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
  on(event: 'error' | 'end' | 'ready' | 'reconnecting', listener: (...args: unknown[]) => void): unknown;
  get(key: string): Promise<Reply>;
  mGet(keys: string[]): Promise<Reply[]>;
  set(key: string, value: Buffer, options: { PX?: number }): Promise<unknown>;
  unlink(keys: string[]): Promise<number>;
  scan(cursor: string, options: { MATCH: string; COUNT: number }): Promise<{ cursor: Buffer | string; keys: Array<Buffer | string> }>;
  publish(channel: string, message: Buffer): Promise<number>;
  subscribe(channel: string, listener: (message: Buffer) => void, bufferMode: true): Promise<void>;
  ping(): Promise<unknown>;
  sendCommand(args: ReadonlyArray<string | Buffer>): Promise<unknown>;
}

/**
 * A client for the cache: replies as Buffers (entries are binary), a timeout on every command,
 * and no offline queue — while disconnected, commands fail at once instead of waiting for a
 * reconnect, so a fail-open read goes straight to the store. The first connection must come up
 * within `connectTimeoutMs`; after that, a lost connection is retried forever with capped backoff.
 */
export function createCacheClient(options: RedisCacheOptions, role: 'cache' | 'invalidations', onError: (error: unknown) => void): CacheClient {
  let everReady = false;
  // A timeout per connection, not per command: node-redis' per-command `timeout` arms a timer for
  // every call, which measured at 0.62x raw GET against 0.83x without it (bench/read-path.ts). A
  // socket silent for `commandTimeoutMs` while it is needed is dropped, failing its commands with
  // TIMEOUT, and reconnected; PINGs at a third of it keep an idle one from looking dead. The
  // subscriber gets neither: in subscribed mode it only listens.
  const watched = role === 'cache';
  const deadline = Date.now() + options.connectTimeoutMs;
  const client = createClient({
    url: options.url,
    ...(options.clientName === undefined ? {} : { name: `${options.clientName}:${role}` }),
    disableOfflineQueue: true,
    commandOptions: { typeMapping: BUFFERS },
    ...(watched ? { pingInterval: Math.max(1, Math.floor(options.commandTimeoutMs / 3)) } : {}),
    socket: {
      ...(watched ? { socketTimeout: options.commandTimeoutMs } : {}),
      connectTimeout: Math.min(options.connectTimeoutMs, 2_000),
      reconnectStrategy: (retries: number, cause: Error) => {
        if (!everReady && Date.now() >= deadline) return cause;
        return Math.min(MAX_RECONNECT_DELAY_MS, 25 * 2 ** Math.min(retries, 6)) + Math.floor(Math.random() * 25);
      },
    },
  });
  client.on('error', onError);
  client.on('ready', () => {
    everReady = true;
  });
  return client as unknown as CacheClient;
}
