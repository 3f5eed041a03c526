import { randomBytes } from 'node:crypto';
import { StorageError, type IdempotencyClaims } from '@sanctum/storage-core';
import { createClient } from 'redis';
import { mapRedisCacheError } from './errors.js';

/** Options of {@link createRedisClaims}. */
export interface RedisClaimsOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). */
  readonly url: string;
  /** Prefix of every claim key. @default 'sanctum:claims:' */
  readonly keyPrefix?: string;
  /** The first connection must be up within this, in ms. @default 5_000 */
  readonly connectTimeoutMs?: number;
  /** A socket silent this long while a command waits is dropped (the command fails with TIMEOUT), in ms. @default 2_000 */
  readonly commandTimeoutMs?: number;
  /** `CLIENT SETNAME` of the connection, to find it in `CLIENT LIST`. */
  readonly clientName?: string;
}

/** {@link IdempotencyClaims} on Redis, with the connection's lifecycle. */
export interface RedisClaims extends IdempotencyClaims {
  /** Connects; call once before the first claim. */
  open(): Promise<void>;
  /** Disconnects; idempotent. */
  close(): Promise<void>;
}

// Done or released only by the claim's own holder: a holder whose lease ran out (and whose id another
// consumer then claimed) must not free or overwrite that other claim.
const COMPLETE = `local v = redis.call('GET', KEYS[1])
if v == ARGV[1] or v == false then redis.call('SET', KEYS[1], 'd', 'PX', ARGV[2]) return 1 end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

function invalid(field: string, message: string): StorageError {
  return new StorageError('INVALID_ARGUMENT', `createRedisClaims: ${message}`, { operation: 'claims.create', adapter: 'redis', details: { field } });
}

function millis(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw invalid(field, `${field} must be a positive integer of milliseconds, got ${String(value)}`);
  return value;
}

/**
 * Idempotency claims shared by every process on one Redis (ADR-023): a claim is `SET key token NX PX
 * leaseMs` — atomic, so of all consumers racing for one message id exactly one runs its handler; a
 * crashed holder's claim expires after the lease. `complete` turns it into a done marker kept for
 * `ttlMs`; `release` (the handler failed) deletes it so the redelivery can claim again. Both touch
 * only the caller's own claim (a compare on the token, in one Lua script).
 *
 * ```ts
 * const claims = createRedisClaims({ url: 'redis://localhost:6379' });
 * await claims.open();
 * await storage.streams('events').subscribe('mailer', idempotentHandler(sendMail, { claims }));
 * ```
 */
export function createRedisClaims(options: RedisClaimsOptions): RedisClaims {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'options must be an object with at least url');
  if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) throw invalid('url', 'url must be a redis:// or rediss:// URL');
  const prefix = options.keyPrefix ?? 'sanctum:claims:';
  if (typeof prefix !== 'string') throw invalid('keyPrefix', 'keyPrefix must be a string');
  const connectTimeoutMs = millis(options.connectTimeoutMs, 5_000, 'connectTimeoutMs');
  const commandTimeoutMs = millis(options.commandTimeoutMs, 2_000, 'commandTimeoutMs');
  let everReady = false;
  let deadline = 0;
  const client = createClient({
    url: options.url,
    ...(options.clientName === undefined ? {} : { name: options.clientName }),
    // Fail at once while disconnected: the consumer's redelivery is the retry.
    disableOfflineQueue: true,
    pingInterval: Math.max(1, Math.floor(commandTimeoutMs / 3)),
    socket: {
      socketTimeout: commandTimeoutMs,
      connectTimeout: Math.min(connectTimeoutMs, 2_000),
      reconnectStrategy: (retries: number, cause: Error) => (!everReady && Date.now() >= deadline ? cause : Math.min(1_000, 25 * 2 ** Math.min(retries, 6))),
    },
  });
  client.on('error', () => undefined); // every command reports its own failure
  client.on('ready', () => void (everReady = true));
  const tokens = new Map<string, string>();
  let opened: Promise<void> | undefined;
  let closed: Promise<void> | undefined;

  async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw mapRedisCacheError(error, operation);
    }
  }

  return {
    open() {
      deadline = Date.now() + connectTimeoutMs;
      opened ??= call('claims.open', async () => void (await client.connect()));
      return opened;
    },
    close() {
      closed ??= client.isOpen ? client.close().then(() => undefined, () => client.destroy()) : Promise.resolve();
      return closed;
    },
    async claim(key, leaseMs) {
      const token = `r:${randomBytes(12).toString('base64url')}`;
      const reply = await call('claims.claim', () => client.set(prefix + key, token, { condition: 'NX', expiration: { type: 'PX', value: leaseMs } }));
      if (reply !== 'OK') return false;
      tokens.set(key, token);
      return true;
    },
    async complete(key, ttlMs) {
      const token = tokens.get(key) ?? '';
      tokens.delete(key);
      await call('claims.complete', () => client.eval(COMPLETE, { keys: [prefix + key], arguments: [token, String(ttlMs)] }));
    },
    async release(key) {
      const token = tokens.get(key);
      tokens.delete(key);
      if (token === undefined) return;
      await call('claims.release', () => client.eval(RELEASE, { keys: [prefix + key], arguments: [token] }));
    },
  };
}
