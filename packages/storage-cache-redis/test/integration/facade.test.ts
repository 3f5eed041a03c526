import { afterEach, describe, expect, it } from 'vitest';
import { isStorageError, type StorageClient } from '@sanctum/storage-core';
import { controlledRecords, facadeClient } from '../support/facade.js';
import { PrivateRedis } from '../support/private-redis.js';
import { redisUrl, uniquePrefix } from '../support/redis.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type User = { name: string };

describe('redisCache() under the storage client', () => {
  const clients: StorageClient[] = [];
  const servers: PrivateRedis[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });
  function client(...args: Parameters<typeof facadeClient>) {
    const made = facadeClient(...args);
    clients.push(made.client);
    return { users: made.client.records<User>('users'), counts: made.counts, client: made.client };
  }

  it('serves eventual reads from Redis and purges on write', async () => {
    const records = controlledRecords();
    const { users, counts } = client(records, { url: redisUrl, keyPrefix: uniquePrefix() });
    await users.put('u1', { name: 'Ada' });
    expect((await users.get('u1', { consistency: 'eventual' })).value).toEqual({ name: 'Ada' });
    expect((await users.get('u1', { consistency: 'eventual' })).value).toEqual({ name: 'Ada' });
    expect(counts).toMatchObject({ miss: 1, hit: 1 });
    expect(records.reads).toBe(1);
    await users.put('u1', { name: 'Grace' });
    expect((await users.get('u1', { consistency: 'eventual' })).value).toEqual({ name: 'Grace' });
    expect(records.reads).toBe(2);
  });

  it('two clients with L1: an invalidation from one clears the other\'s L1, so its next eventual read is fresh', async () => {
    const records = controlledRecords();
    const keyPrefix = uniquePrefix('l1');
    const a = client(records, { url: redisUrl, keyPrefix, l1: { maxEntries: 100 } });
    const b = client(records, { url: redisUrl, keyPrefix, l1: { maxEntries: 100 } });
    await a.users.put('u1', { name: 'Ada' });
    expect((await b.users.get('u1', { consistency: 'eventual' })).value).toEqual({ name: 'Ada' });
    await a.users.put('u1', { name: 'Grace' });
    const deadline = Date.now() + 2_000;
    let seen = (await b.users.get('u1', { consistency: 'eventual' })).value;
    while (seen.name !== 'Grace' && Date.now() < deadline) {
      await sleep(5);
      seen = (await b.users.get('u1', { consistency: 'eventual' })).value;
    }
    expect(seen).toEqual({ name: 'Grace' });
  });

  it('serves a stale entry within staleIfErrorMs when the store fails, counted as stale', async () => {
    const records = controlledRecords();
    const { users, counts } = client(records, { url: redisUrl, keyPrefix: uniquePrefix() }, { cacheTtlMs: 50, staleIfErrorMs: 60_000 });
    await users.put('u1', { name: 'Ada' });
    await users.get('u1', { consistency: 'eventual' });
    await sleep(80);
    records.failReads = true;
    expect((await users.get('u1', { consistency: 'eventual' })).value).toEqual({ name: 'Ada' });
    expect(counts.stale).toBe(1);
  });

  it('100 concurrent cold eventual reads of one key make exactly one store read', async () => {
    const records = controlledRecords();
    const { users } = client(records, { url: redisUrl, keyPrefix: uniquePrefix() });
    await users.put('hot', { name: 'Ada' });
    records.reads = 0;
    const reads = await Promise.all(Array.from({ length: 100 }, () => users.get('hot', { consistency: 'eventual' })));
    expect(reads.every((entry) => entry.value.name === 'Ada')).toBe(true);
    expect(records.reads).toBe(1);
    // One shared result, frozen: no caller can change what the others (or later hits) see.
    expect(Object.isFrozen(reads[0]!.value)).toBe(true);
  });

  it('Redis down: fail-open reads go to the store, fail-closed reads fail with UNAVAILABLE; both resume when Redis is back', async () => {
    const redis = await PrivateRedis.start();
    servers.push(redis);
    const records = controlledRecords();
    const open = client(records, { url: redis.url, keyPrefix: 'open:', commandTimeoutMs: 200 }, { onCacheFailure: 'fail-open' });
    const closed = client(records, { url: redis.url, keyPrefix: 'closed:', commandTimeoutMs: 200 }, { onCacheFailure: 'fail-closed' });
    await open.users.put('u1', { name: 'Ada' });
    await open.users.get('u1', { consistency: 'eventual' });
    await closed.users.get('u1', { consistency: 'eventual' });

    await redis.kill();
    expect((await open.users.get('u1', { consistency: 'eventual' })).value).toEqual({ name: 'Ada' });
    const failure = await closed.users.get('u1', { consistency: 'eventual' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isStorageError(failure, 'UNAVAILABLE')).toBe(true);

    await redis.restart();
    const deadline = Date.now() + 10_000;
    let hitsBefore = open.counts.hit;
    for (;;) {
      await open.users.get('u1', { consistency: 'eventual' });
      await open.users.get('u1', { consistency: 'eventual' });
      if (open.counts.hit > hitsBefore) break;
      hitsBefore = open.counts.hit;
      expect(Date.now()).toBeLessThan(deadline);
      await sleep(50);
    }
    await expect(closed.users.get('u1', { consistency: 'eventual' })).resolves.toMatchObject({ value: { name: 'Ada' } });
  });
});
