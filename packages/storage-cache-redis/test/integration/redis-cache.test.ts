import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { isStorageError } from '@sanctum/storage-core';
import { type CacheEntry } from '@sanctum/storage-core/spi';
import { createRedisCacheStore, type RedisCacheStore } from '../../src/index.js';
import { PrivateRedis } from '../support/private-redis.js';
import { redisUrl, rigCache, uniquePrefix } from '../support/redis.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const entry = (value: unknown, version = 1): CacheEntry => ({ value, version, etag: `e${version}`, storedAt: Date.now() });
async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('RedisCacheStore on a real Redis', () => {
  const opened: RedisCacheStore[] = [];
  const servers: PrivateRedis[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((cache) => cache.close()));
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });
  async function open(cache: RedisCacheStore): Promise<RedisCacheStore> {
    await cache.open();
    opened.push(cache);
    return cache;
  }

  it('fill fence: a fill from another instance cannot overwrite a fresh delete; after the fence it can', async () => {
    const keyPrefix = uniquePrefix('fence');
    const writer = await open(rigCache({ keyPrefix, fillFenceMs: 300 }));
    const reader = await open(rigCache({ keyPrefix, fillFenceMs: 300 }));
    await reader.set('k', entry('v1'), 60_000);
    await writer.delete(['k']);
    // The reader read v1 from the store before the write; its fill arrives after the delete.
    await reader.set('k', entry('v1'), 60_000);
    expect(await reader.get('k')).toBeUndefined();
    expect(await writer.get('k')).toBeUndefined();
    // The writer's own fill is not fenced by its own delete (core fences its own races).
    await writer.set('k', entry('v2', 2), 60_000);
    expect((await reader.get('k'))?.value).toBe('v2');
    await writer.delete(['k']);
    await sleep(350);
    await reader.set('k', entry('v3', 3), 60_000);
    expect((await reader.get('k'))?.value).toBe('v3');
  });

  it('without a fill fence (fillFenceMs 0) the late fill lands: the fence is what stops it', async () => {
    const keyPrefix = uniquePrefix('nofence');
    const writer = await open(rigCache({ keyPrefix, fillFenceMs: 0 }));
    const reader = await open(rigCache({ keyPrefix, fillFenceMs: 0 }));
    await writer.delete(['k']);
    await reader.set('k', entry('stale'), 60_000);
    expect((await writer.get('k'))?.value).toBe('stale');
  });

  it('keeps binary values, entries without expiry, and drops entries set with a ttl of 0 or too large', async () => {
    const cache = await open(rigCache({ maxValueBytes: 2_048, l1: { maxEntries: 10 } }));
    const bytes = Buffer.from([0, 1, 2, 255]);
    await cache.set('bin', entry({ bytes, typed: new Uint8Array([9, 8]) }), Number.POSITIVE_INFINITY);
    const got = await cache.get('bin');
    expect(Buffer.from((got?.value as { bytes: Uint8Array }).bytes)).toEqual(bytes);
    await cache.set('big', entry('small'), 60_000);
    await cache.set('big', entry('x'.repeat(4_096), 2), 60_000);
    expect(await cache.get('big')).toBeUndefined();
    await cache.set('zero', entry('kept'), 60_000);
    await cache.set('zero', entry('gone', 2), 0);
    expect(await cache.get('zero')).toBeUndefined();
  });

  it('fills L1 from Redis hits, including entries without expiry, and serves them from memory', async () => {
    const keyPrefix = uniquePrefix('l1');
    const writer = await open(rigCache({ keyPrefix }));
    const reader = await open(rigCache({ keyPrefix, l1: { maxEntries: 10 } }));
    await writer.set('forever', entry('f'), Number.POSITIVE_INFINITY);
    expect((await reader.get('forever'))?.value).toBe('f');
    // Changed behind the reader's back without an invalidation: the L1 copy is what it serves.
    const raw = createClient({ url: redisUrl });
    await raw.connect();
    await raw.del(`${keyPrefix}forever`);
    await raw.close();
    expect((await reader.get('forever'))?.value).toBe('f');
    expect((await reader.health()).details).toMatchObject({ invalidationsLive: true, l1Entries: 1 });
  });

  it('clear removes every key under its prefix (more than one SCAN batch) and nothing else', async () => {
    const cache = await open(rigCache());
    const neighbour = await open(rigCache());
    await neighbour.set('n', entry('n'), 60_000);
    await Promise.all(Array.from({ length: 1_500 }, (_, i) => cache.set(`k${i}`, entry(i), 60_000)));
    await cache.clear();
    let left = 0;
    for await (const key of cache.keys('')) left += key.length > 0 ? 1 : 0;
    expect(left).toBe(0);
    expect((await neighbour.get('n'))?.value).toBe('n');
  });

  it('ignores malformed and its own messages on the channel; unsubscribes', async () => {
    const keyPrefix = uniquePrefix('bus');
    const a = await open(rigCache({ keyPrefix }));
    const b = await open(rigCache({ keyPrefix }));
    const heard: string[] = [];
    const unsubscribe = b.onInvalidation((keys) => heard.push(...keys));
    const ownHeard: string[] = [];
    a.onInvalidation((keys) => ownHeard.push(...keys));
    const raw = createClient({ url: redisUrl });
    await raw.connect();
    await raw.publish(`${keyPrefix}invalidations`, 'not msgpack \u00ff');
    await raw.publish(`${keyPrefix}invalidations`, Buffer.from([0x92, 0x01, 0x02]));
    await raw.close();
    await a.publishInvalidation([]);
    await a.publishInvalidation(['x']);
    await sleep(100);
    expect(heard).toEqual(['x']);
    expect(ownHeard).toEqual([]);
    unsubscribe();
    await a.publishInvalidation(['y']);
    await sleep(100);
    expect(heard).toEqual(['x']);
  });

  it('re-sends its fill script when the server forgot it (NOSCRIPT)', async () => {
    const redis = await PrivateRedis.start();
    servers.push(redis);
    const cache = await open(createRedisCacheStore({ url: redis.url, clientName: 'cache-test' }));
    await cache.set('a', entry('a'), 60_000);
    const raw = createClient({ url: redis.url });
    await raw.connect();
    await raw.scriptFlush();
    await raw.close();
    await cache.set('b', entry('b'), 60_000);
    expect((await cache.get('b'))?.value).toBe('b');
  });

  /** Calls of GET and MGET on a private server since `CONFIG RESETSTAT`. */
  async function readCommands(url: string): Promise<{ get: number; mget: number }> {
    const raw = createClient({ url });
    await raw.connect();
    const info = await raw.info('commandstats');
    await raw.close();
    const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    return { get: calls('get'), mget: calls('mget') };
  }
  async function resetStats(url: string): Promise<void> {
    const raw = createClient({ url });
    await raw.connect();
    await raw.configResetStat();
    await raw.close();
  }

  it.each([true, false])('batchReads %s: concurrent reads share MGETs (one decode per key), each answered with its own key', async (batchReads) => {
    const redis = await PrivateRedis.start();
    servers.push(redis);
    const cache = await open(createRedisCacheStore({ url: redis.url, batchReads }));
    await Promise.all(['a', 'b', 'c'].map((key) => cache.set(key, entry({ key }), 60_000)));
    await resetStats(redis.url);
    const keys = Array.from({ length: 64 }, (_, i) => (i < 40 ? 'a' : i < 50 ? 'b' : i < 60 ? 'c' : 'missing'));
    const got = await Promise.all(keys.map((key) => cache.get(key)));
    got.forEach((hit, i) => expect(hit?.value).toEqual(keys[i] === 'missing' ? undefined : { key: keys[i] }));
    const calls = await readCommands(redis.url);
    if (batchReads) {
      // The first read goes alone as a GET; the 63 that start while it is on the wire, as one MGET.
      expect(calls).toEqual({ get: 1, mget: 1 });
      // One decode per distinct key in a batch: reads of one key share the entry.
      expect(got[1]).toBe(got[39]);
    } else {
      expect(calls).toEqual({ get: 64, mget: 0 });
    }
  });

  it.each([1_024, 0])('reuseDecoded %s: a read answered with the bytes of the last one shares its frozen entry; new bytes are read as new', async (reuseDecoded) => {
    const keyPrefix = uniquePrefix('reuse');
    const reader = await open(rigCache({ keyPrefix, reuseDecoded }));
    const writer = await open(rigCache({ keyPrefix }));
    await writer.set('k', entry({ n: 1 }), 60_000);
    const first = await reader.get('k');
    Object.freeze(first?.value); // as the storage client's cache layer does with every value it returns
    const again = await reader.get('k');
    expect(again?.value).toEqual({ n: 1 });
    if (reuseDecoded > 0) expect(again).toBe(first);
    else expect(again).not.toBe(first);
    // Another instance writes: the next read asks Redis and gets the new value, never the kept one.
    await writer.set('k', entry({ n: 2 }, 2), 60_000);
    expect(await reader.get('k')).toMatchObject({ value: { n: 2 }, version: 2 });
    await writer.delete(['k']);
    expect(await reader.get('k')).toBeUndefined();
  });

  it('a batch larger than one MGET is split, and a failed MGET fails every read of it with a StorageError', async () => {
    const redis = await PrivateRedis.start();
    servers.push(redis);
    const cache = await open(createRedisCacheStore({ url: redis.url }));
    await resetStats(redis.url);
    const many = await Promise.all(Array.from({ length: 1 + 600 }, (_, i) => cache.get(`k${String(i)}`)));
    expect(many.every((hit) => hit === undefined)).toBe(true);
    expect(await readCommands(redis.url)).toEqual({ get: 1, mget: 2 });
    // Closed with a batch waiting for its turn: every read in it fails with UNAVAILABLE.
    const closing = createRedisCacheStore({ url: redis.url });
    await closing.open();
    const alone = closing.get('a');
    const waiting = [failure(closing.get('b')), failure(closing.get('c'))];
    await closing.close();
    await alone.catch(() => undefined);
    for (const error of await Promise.all(waiting)) expect(isStorageError(error) && error.code).toBe('UNAVAILABLE');
    // Redis dies with a batch on the wire: every read in it fails, none hangs.
    await redis.stop();
    const failed = await Promise.all(Array.from({ length: 8 }, (_, i) => failure(cache.get(`k${String(i)}`))));
    for (const error of failed) expect(isStorageError(error)).toBe(true);
  });

  it('a batched read does not put into L1 a value whose key was invalidated while the MGET was on the wire', async () => {
    const keyPrefix = uniquePrefix('batch-fence');
    const cache = await open(rigCache({ keyPrefix, l1: { maxEntries: 100 } }));
    const other = await open(rigCache({ keyPrefix }));
    await other.set('k', entry('old'), 60_000);
    await other.set('j', entry('j'), 60_000);
    const first = cache.get('j'); // on the wire: the next read is batched
    const batched = cache.get('k');
    await new Promise((resolve) => process.nextTick(resolve)); // the batch's MGET is sent
    await cache.delete(['k']); // a local invalidation before the MGET's reply
    expect((await batched)?.value).toBe('old'); // the read itself started before the delete
    await first;
    expect(cache.peek!('k')).toBeUndefined();
    expect(cache.peek!('j')?.value).toBe('j');
  });

  it('peek answers from L1 only while invalidations are live: nothing kept locally is served once the bus is down', async () => {
    const redis = await PrivateRedis.start();
    servers.push(redis);
    const cache = await open(createRedisCacheStore({ url: redis.url, commandTimeoutMs: 200, l1: { maxEntries: 10 } }));
    await cache.set('k', entry('v'), 60_000);
    expect(cache.peek?.('k')?.value).toBe('v');
    await redis.kill();
    const deadline = Date.now() + 5_000;
    while ((await cache.health()).details?.['invalidationsLive'] !== false && Date.now() < deadline) await sleep(20);
    // Invalidations sent now would be lost: the L1 copy may be stale, so neither peek nor get use it.
    expect(cache.peek?.('k')).toBeUndefined();
    expect(isStorageError(await failure(cache.get('k')), 'UNAVAILABLE')).toBe(true);
    // Without L1 there is no peek at all: the cache layer goes straight to get.
    expect(createRedisCacheStore({ url: redis.url }).peek).toBeUndefined();
  });

  it('every operation fails with a StorageError when Redis is down, and health says so', async () => {
    const redis = await PrivateRedis.start();
    servers.push(redis);
    const cache = await open(createRedisCacheStore({ url: redis.url, commandTimeoutMs: 200, l1: { maxEntries: 10 } }));
    await redis.kill();
    await sleep(50);
    for (const call of [cache.get('k'), cache.set('k', entry(1), 1_000), cache.delete(['k']), cache.clear(), cache.publishInvalidation(['k'])]) {
      const error = await failure(call);
      expect(isStorageError(error, 'UNAVAILABLE'), String(error)).toBe(true);
    }
    expect(await cache.health()).toMatchObject({ ok: false, details: { code: 'UNAVAILABLE' } });
  });

  it('open fails with UNAVAILABLE when Redis is unreachable within connectTimeoutMs', async () => {
    const redis = await PrivateRedis.start();
    await redis.stop();
    const cache = createRedisCacheStore({ url: redis.url, connectTimeoutMs: 300 });
    const error = await failure(cache.open());
    expect(isStorageError(error, 'UNAVAILABLE'), String(error)).toBe(true);
    expect(isStorageError(await failure(cache.get('k')), 'UNAVAILABLE')).toBe(true);
  });
});
