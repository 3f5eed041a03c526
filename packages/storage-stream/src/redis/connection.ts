import { createClient, RESP_TYPES } from 'redis';
import type { RedisArg } from './codec.js';
import { isAuthFailure, replyKind } from './errors.js';
import type { Script } from './scripts.js';

/** Options of one call. */
export interface CallOptions {
  /** Bulk strings come back as Buffers (payloads) instead of strings. */
  readonly buffers?: boolean;
  /**
   * Ends the command when it fires: taken out of the queue if not yet written, failed (outcome
   * unknown) if written and unanswered.
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * The slice of a Redis client the stream store uses: raw commands and Lua scripts.
 * One wraps a node-redis client; unit tests substitute their own.
 */
export interface RedisConnection {
  command<T>(args: readonly RedisArg[], options?: CallOptions): Promise<T>;
  /** `EVALSHA`, falling back to `EVAL` when the server forgot the script. */
  script<T>(script: Script, keys: readonly string[], args: readonly RedisArg[], options?: CallOptions): Promise<T>;
  /** A new, unconnected connection to the same server with the same settings. */
  duplicate(): RedisConnection;
  /** Connects, retrying refused connections until `timeoutMs` passes; later losses reconnect forever. */
  connect(timeoutMs: number): Promise<void>;
  /** Sends QUIT after the commands already queued; falls back to destroy. */
  close(): Promise<void>;
  /** Drops the socket; queued commands fail. */
  destroy(): void;
}

/** Settings of the connections a store makes. */
export interface ConnectionSettings {
  readonly url: string;
  readonly clientName?: string | undefined;
  /**
   * A socket silent this long while commands wait is dropped (they fail with TIMEOUT) and
   * reconnected; idle connections PING at a third of it. 0 = never. A timeout per connection
   * instead of per command: a timer per command costs more than the round trip it guards.
   */
  readonly socketTimeoutMs: number;
  /** Errors the client reports outside a command (lost socket, failed reconnect). */
  readonly onError: (error: unknown) => void;
  /**
   * Queue commands while disconnected until the connection is back (node-redis' offline queue).
   * `false` fails them at once with UNAVAILABLE: a publish must not wait out an outage past its
   * deadline. @default true
   */
  readonly offlineQueue?: boolean;
}

const BUFFERS = { [RESP_TYPES.BLOB_STRING]: Buffer } as const;
const WITH_BUFFERS = { typeMapping: BUFFERS } as const;
const MAX_RECONNECT_DELAY_MS = 2_000;

type Client = ReturnType<typeof createClient>;

class NodeRedisConnection implements RedisConnection {
  readonly #settings: ConnectionSettings;
  readonly #client: Client;
  #connectDeadline = Number.POSITIVE_INFINITY;
  #everReady = false;

  constructor(settings: ConnectionSettings) {
    this.#settings = settings;
    this.#client = createClient({
      url: settings.url,
      ...(settings.offlineQueue === false ? { disableOfflineQueue: true } : {}),
      ...(settings.clientName === undefined ? {} : { name: settings.clientName }),
      ...(settings.socketTimeoutMs > 0 ? { pingInterval: Math.ceil(settings.socketTimeoutMs / 3) } : {}),
      socket: {
        ...(settings.socketTimeoutMs > 0 ? { socketTimeout: settings.socketTimeoutMs } : {}),
        reconnectStrategy: (retries: number, cause: Error) => {
          // Wrong credentials never get better by retrying: fail now (ACCESS_DENIED), not at the deadline.
          if (isAuthFailure(cause)) return cause;
          // Until the first connection, a refused server fails open() at its deadline; after it, a
          // lost connection is retried forever with capped exponential backoff.
          if (!this.#everReady && Date.now() >= this.#connectDeadline) return cause;
          return Math.min(MAX_RECONNECT_DELAY_MS, 50 * 2 ** Math.min(retries, 6)) + Math.floor(Math.random() * 50);
        },
      },
    });
    this.#client.on('error', (error: unknown) => this.#settings.onError(error));
    this.#client.on('ready', () => {
      this.#everReady = true;
    });
  }

  command<T>(args: readonly RedisArg[], options?: CallOptions): Promise<T> {
    if (options?.signal !== undefined) {
      const typed = options.buffers === true ? { typeMapping: BUFFERS, abortSignal: options.signal } : { abortSignal: options.signal };
      return this.#client.sendCommand(args, typed) as Promise<T>;
    }
    return this.#client.sendCommand(args, options?.buffers === true ? WITH_BUFFERS : undefined) as Promise<T>;
  }

  async script<T>(script: Script, keys: readonly string[], args: readonly RedisArg[], options?: CallOptions): Promise<T> {
    // One array, filled in place: a batch publish passes three arguments per message, and spreading
    // them into a tail and then into the command copied every argument twice.
    const command = new Array<RedisArg>(3 + keys.length + args.length);
    command[0] = 'EVALSHA';
    command[1] = script.sha;
    command[2] = String(keys.length);
    let at = 3;
    for (const key of keys) command[at++] = key;
    for (const arg of args) command[at++] = arg;
    try {
      return await this.command<T>(command, options);
    } catch (error) {
      if (replyKind(error) !== 'NOSCRIPT') throw error;
      // A copy: the first command's array is node-redis' to keep.
      const again = command.slice();
      again[0] = 'EVAL';
      again[1] = script.source;
      return this.command<T>(again, options);
    }
  }

  duplicate(): RedisConnection {
    // Readers block on XREADGROUP and wait out an outage anyway; they keep the offline queue.
    return new NodeRedisConnection({ ...this.#settings, offlineQueue: true });
  }

  async connect(timeoutMs: number): Promise<void> {
    this.#connectDeadline = Date.now() + timeoutMs;
    await this.#client.connect();
  }

  async close(): Promise<void> {
    try {
      await this.#client.close();
    } catch {
      this.destroy();
    }
  }

  destroy(): void {
    try {
      this.#client.destroy();
    } catch {
      // already closed
    }
  }
}

/** A connection over node-redis (not connected yet). */
export function createNodeRedisConnection(settings: ConnectionSettings): RedisConnection {
  return new NodeRedisConnection(settings);
}
