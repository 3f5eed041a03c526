import { createMemoryCache, type MemoryCacheStore } from '@sanctum/storage-cache-memory';
import { StorageError, type HealthReport } from '@sanctum/storage-core';
import { type CacheCapabilities, type CacheEntry, type CacheStore } from '@sanctum/storage-core/spi';
import { ErrorReply } from 'redis';
import { decodeEntry, encodeEntry, tombstone } from './codec.js';
import { createCacheClient, type CacheClient } from './connection.js';
import { DecodedMemo } from './decoded-memo.js';
import { REDIS_CACHE_ADAPTER, mapRedisCacheError } from './errors.js';
import { InvalidationBus } from './invalidation-bus.js';
import { LocalFence } from './local-fence.js';
import { redisCacheOptionsSchema, type RedisCacheOptions, type RedisCacheOptionsInput } from './options.js';
import { FENCED_SET, type Script } from './scripts.js';

const CAPABILITIES: CacheCapabilities = Object.freeze({ shared: true });
const SCAN_COUNT = 1_000;
/** Keys per MGET when a batch of reads is larger (keeps one reply, and Redis' time on it, bounded). */
const MGET_MAX_KEYS = 512;

/** A read waiting in a batch: its fence token and its promise. */
interface Waiter {
  readonly token: number;
  resolve(entry: CacheEntry | undefined | Promise<CacheEntry | undefined>): void;
  reject(error: Error): void;
}

/** The Redis cache: the CacheStore SPI with fan-out, plus a key listing used by the Keyv store. */
export interface RedisCacheStore extends CacheStore {
  /** Connects (the storage client calls it once); UNAVAILABLE when Redis is not reachable in `connectTimeoutMs`. */
  open(): Promise<void>;
  /** Disconnects both connections and empties L1. */
  close(): Promise<void>;
  /** PINGs Redis; details say whether invalidations are being received and how much L1 holds. */
  health(): Promise<HealthReport>;
  publishInvalidation(keys: readonly string[]): Promise<void>;
  onInvalidation(listener: (keys: readonly string[]) => void): () => void;
  /** Every key of this cache that starts with `prefix` (expired and fenced keys may appear). */
  keys(prefix: string): AsyncIterable<string>;
}

/** Escapes glob metacharacters so SCAN MATCH treats `text` literally. */
function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** Builds the store from options that are already validated and defaulted. */
export function buildRedisCache(options: RedisCacheOptions): RedisCacheStore {
  const prefix = options.keyPrefix;
  const l1: MemoryCacheStore | undefined = options.l1 === undefined ? undefined : createMemoryCache(options.l1);
  const fence = new LocalFence();
  const memo = options.reuseDecoded === 0 ? undefined : new DecodedMemo(options.reuseDecoded);
  const listeners = new Set<(keys: readonly string[]) => void>();
  let client: CacheClient | undefined;
  let subscriber: CacheClient | undefined;

  const dropLocal = (keys: readonly string[]): void => {
    if (l1 === undefined) return;
    for (const key of keys) fence.changed(key);
    void l1.delete(keys);
  };
  const bus = new InvalidationBus(`${prefix}invalidations`, {
    onRemote: (keys) => {
      dropLocal(keys);
      for (const listener of listeners) listener(keys);
    },
    onLost: () => fence.flushAll(),
    onResumed: () => {
      // Invalidations sent while we were away are lost: nothing kept locally can be trusted.
      fence.flushAll();
      void l1?.clear();
    },
  });

  const ownTombstone = tombstone(bus.origin);
  const connected = (operation: string): CacheClient => {
    if (client === undefined) throw new StorageError('UNAVAILABLE', `redis cache is not open (${operation})`, { operation, adapter: REDIS_CACHE_ADAPTER });
    return client;
  };
  const physical = (key: string): string => prefix + key;

  async function runScript(redis: CacheClient, script: Script, key: string, args: readonly (string | Buffer)[]): Promise<unknown> {
    try {
      return await redis.sendCommand(['EVALSHA', script.sha, '1', key, ...args]);
    } catch (error) {
      if (!(error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))) throw error;
      return redis.sendCommand(['EVAL', script.source, '1', key, ...args]);
    }
  }

  async function keepLocally(key: string, entry: CacheEntry, expiresAt: number, token: number): Promise<void> {
    if (l1 === undefined || !bus.connected || !fence.unchanged(key, token)) return;
    const ttl = expiresAt === 0 ? Number.POSITIVE_INFINITY : expiresAt - Date.now();
    if (ttl > 0) await l1.set(key, entry, ttl);
  }

  /** A Redis reply as the entry it holds; kept in L1 (when there is one) unless fenced since `token`. */
  function fromRedis(key: string, bytes: Buffer | null, token: number): CacheEntry | undefined | Promise<CacheEntry | undefined> {
    if (bytes === null) return undefined;
    const stored = memo === undefined ? decodeEntry(bytes) : memo.decode(key, bytes);
    if (stored === undefined) return undefined;
    if (l1 === undefined) return stored.entry;
    return keepLocally(key, stored.entry, stored.expiresAt, token).then(() => stored.entry);
  }

  // Reads that start while another is on the wire wait for the end of this turn of the event loop
  // and go out together as one MGET: one command and one reply instead of one per read, and one
  // decode per distinct key (the cache layer freezes values, so readers may share one). Every read
  // in a batch started before the MGET was sent, so none can see older data than a GET of its own
  // would. A read with nothing else in flight is sent at once, as a plain GET (no added latency).
  let inFlight = 0;
  let batch: Map<string, Waiter[]> | undefined;

  function flush(): void {
    const reads = batch!;
    batch = undefined;
    let redis: CacheClient;
    try {
      redis = connected('cache.get');
    } catch (error) {
      for (const waiters of reads.values()) for (const waiter of waiters) waiter.reject(error as Error);
      return;
    }
    const keys = [...reads.keys()];
    for (let start = 0; start < keys.length; start += MGET_MAX_KEYS) {
      const slice = keys.slice(start, start + MGET_MAX_KEYS);
      inFlight += 1;
      redis.mGet(slice.map(physical)).then(
        (replies) => {
          inFlight -= 1;
          for (let i = 0; i < slice.length; i++) deliver(slice[i]!, replies[i] ?? null, reads.get(slice[i]!)!);
        },
        (error: unknown) => {
          inFlight -= 1;
          const mapped = mapRedisCacheError(error, 'cache.get');
          for (const key of slice) for (const waiter of reads.get(key)!) waiter.reject(mapped);
        },
      );
    }
  }

  /** Hands one key's reply to every read of it in a batch (kept in L1 under the oldest read's fence token). */
  function deliver(key: string, bytes: Buffer | null, waiters: Waiter[]): void {
    let token = waiters[0]!.token;
    for (const waiter of waiters) token = Math.min(token, waiter.token);
    const entry = fromRedis(key, bytes, token); // never throws: a value it cannot decode is a miss
    for (const waiter of waiters) waiter.resolve(entry);
  }

  // A promise chain rather than an async function: a read alone on the wire is one GET and one `then`.
  function get(key: string): Promise<CacheEntry | undefined> {
    if (l1 !== undefined && bus.connected) {
      const local = l1.peek(key);
      if (local !== undefined) return Promise.resolve(local);
    }
    let redis: CacheClient;
    try {
      redis = connected('cache.get');
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const token = l1 === undefined ? 0 : fence.start();
    if (inFlight > 0 && options.batchReads) {
      return new Promise((resolve, reject) => {
        if (batch === undefined) {
          batch = new Map();
          process.nextTick(flush);
        }
        const waiters = batch.get(key);
        if (waiters === undefined) batch.set(key, [{ token, resolve, reject }]);
        else waiters.push({ token, resolve, reject });
      });
    }
    inFlight += 1;
    return redis.get(physical(key)).then(
      (bytes) => {
        inFlight -= 1;
        return fromRedis(key, bytes, token);
      },
      (error: unknown) => {
        inFlight -= 1;
        throw mapRedisCacheError(error, 'cache.get');
      },
    );
  }

  async function remove(keys: readonly string[], operation: string): Promise<void> {
    if (keys.length === 0) return;
    dropLocal(keys);
    const redis = connected(operation);
    try {
      if (options.fillFenceMs === 0) await redis.unlink(keys.map(physical));
      else await Promise.all(keys.map((key) => redis.set(physical(key), ownTombstone, { PX: options.fillFenceMs })));
    } catch (error) {
      throw mapRedisCacheError(error, operation);
    }
  }

  async function set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    // `!(ttlMs > 0)` also catches NaN: an already expired entry replaces nothing stale.
    if (!(ttlMs > 0)) return remove([key], 'cache.set');
    const forever = ttlMs === Number.POSITIVE_INFINITY;
    const ttl = forever ? 0 : Math.max(1, Math.ceil(ttlMs));
    const expiresAt = forever ? 0 : Date.now() + ttl;
    const bytes = encodeEntry(entry, expiresAt);
    // Too large to cache: drop what is there (it is older than this entry) and leave the key to the store.
    if (bytes.length > options.maxValueBytes) return remove([key], 'cache.set');
    const redis = connected('cache.set');
    const token = fence.start();
    let stored: boolean;
    try {
      if (options.fillFenceMs === 0) {
        await redis.set(physical(key), bytes, forever ? {} : { PX: ttl });
        stored = true;
      } else {
        stored = (await runScript(redis, FENCED_SET, physical(key), [bytes, String(ttl), ownTombstone])) === 1;
      }
    } catch (error) {
      dropLocal([key]);
      throw mapRedisCacheError(error, 'cache.set');
    }
    if (stored) await keepLocally(key, entry, expiresAt, token);
  }

  async function* keys(startsWith: string): AsyncGenerator<string> {
    const redis = connected('cache.keys');
    let cursor = '0';
    do {
      let reply: { cursor: Buffer | string; keys: Array<Buffer | string> };
      try {
        reply = (await redis.scan(cursor, { MATCH: `${globLiteral(prefix + startsWith)}*`, COUNT: SCAN_COUNT })) as typeof reply;
      } catch (error) {
        throw mapRedisCacheError(error, 'cache.keys');
      }
      cursor = reply.cursor.toString();
      for (const key of reply.keys) yield key.toString().slice(prefix.length);
    } while (cursor !== '0');
  }

  async function connect(): Promise<void> {
    const onError = () => undefined; // state changes are followed through the bus; commands report their own errors
    const main = createCacheClient(options, 'cache', onError);
    const sub = createCacheClient(options, 'invalidations', onError);
    try {
      await Promise.all([main.connect(), sub.connect()]);
      await bus.attach(sub);
    } catch (error) {
      // A client whose connect failed is closed already; `destroy` would throw.
      for (const c of [main, sub]) if (c.isOpen) c.destroy();
      throw mapRedisCacheError(error, 'cache.open');
    }
    client = main;
    subscriber = sub;
  }

  async function close(): Promise<void> {
    const clients = [client, subscriber].filter((c) => c !== undefined);
    client = undefined;
    subscriber = undefined;
    await l1?.clear();
    memo?.clear();
    await Promise.all(clients.map((c) => c.close().catch(() => c.destroy())));
  }

  return {
    kind: 'cache',
    name: REDIS_CACHE_ADAPTER,
    capabilities: CAPABILITIES,
    open: connect,
    close,
    get,
    // L1 only, under the same condition as `get` uses it; a miss here sends the caller to `get`.
    // Without L1 there is nothing in memory: no `peek`, so the cache layer goes straight to `get`.
    ...(l1 === undefined ? {} : { peek: (key: string) => (bus.connected ? l1.peek(key) : undefined) }),
    set,
    delete: (keys) => remove(keys, 'cache.delete'),
    async clear() {
      if (l1 !== undefined) {
        fence.flushAll();
        await l1.clear();
      }
      const redis = connected('cache.clear');
      try {
        let batch: string[] = [];
        for await (const key of keys('')) {
          batch.push(physical(key));
          if (batch.length < SCAN_COUNT) continue;
          await redis.unlink(batch);
          batch = [];
        }
        if (batch.length > 0) await redis.unlink(batch);
      } catch (error) {
        throw mapRedisCacheError(error, 'cache.clear');
      }
    },
    keys,
    async publishInvalidation(keys) {
      if (keys.length === 0) return;
      try {
        await bus.publish(connected('cache.publishInvalidation'), keys);
      } catch (error) {
        throw mapRedisCacheError(error, 'cache.publishInvalidation');
      }
    },
    onInvalidation(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async health(): Promise<HealthReport> {
      const started = performance.now();
      try {
        await connected('cache.health').ping();
      } catch (error) {
        const mapped = mapRedisCacheError(error, 'cache.health');
        return { ok: false, latencyMs: performance.now() - started, details: { code: mapped.code, message: mapped.message } };
      }
      const details: Record<string, number | boolean> = { invalidationsLive: bus.connected };
      if (l1 !== undefined) details['l1Entries'] = l1.size;
      return { ok: true, latencyMs: performance.now() - started, details };
    },
  };
}

/**
 * Creates a Redis cache implementing the CacheStore SPI (`shared: true`): entries (value,
 * version, etag, storedAt) encoded with msgpack under `keyPrefix`, expiry by Redis TTL, a bound on
 * the encoded size, deletes that fence late fills, invalidations fanned out over pub/sub, and an
 * optional in-process L1 that every local or remote invalidation clears. Call `open()` before use
 * (the storage client does it for you). Throws INVALID_ARGUMENT, listing every problem, when
 * `options` are invalid.
 */
export function createRedisCacheStore(options: RedisCacheOptionsInput): RedisCacheStore {
  const parsed = redisCacheOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(root)', message: issue.message }));
    throw new StorageError(
      'INVALID_ARGUMENT',
      `Invalid redis cache options: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
      { operation: 'cache.create', adapter: REDIS_CACHE_ADAPTER, details: { issues } },
    );
  }
  return buildRedisCache(parsed.data);
}
