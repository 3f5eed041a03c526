import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { createStorageClient, localKeyring, type StorageClient } from '@sanctum/storage-core';
import { createMemoryRecordStore } from '@sanctum/storage-core/spi';
import { redisCache } from '../../src/index.js';
import { redisUrl, uniquePrefix } from '../support/redis.js';

// Issue 14: a shared (remote) cache of an encrypted namespace receives ciphertext only, also in
// redisCache's own L1. Checked by scanning what Redis holds for a planted marker.
const MARKER = `PLANTED-${randomBytes(6).toString('hex')}`;
const clients: StorageClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

function client(keyPrefix: string, encrypted: boolean): StorageClient {
  const records = createMemoryRecordStore();
  const made = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { records: { use: 'memory' } },
      caches: { shared: { use: 'redis', options: { url: redisUrl, keyPrefix, l1: { maxEntries: 100 } } } },
      namespaces: { users: { kind: 'record', adapter: 'records', cache: 'shared', ...(encrypted ? { encryption: { keyId: 'k1' } } : {}) } },
    },
    { adapters: [{ kind: 'record', name: 'memory', optionsSchema: { '~standard': { version: 1, vendor: 't', validate: (value: unknown) => ({ value }) } }, create: () => records }, redisCache()], keys: localKeyring({ keys: { k1: randomBytes(32) } }) },
  );
  clients.push(made);
  return made;
}

/** Every key under `prefix` and its value(s), as Redis holds them. */
async function rawScan(prefix: string): Promise<string[]> {
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  try {
    const out: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) {
      for (const key of batch) {
        const type = await redis.type(key);
        if (type === 'string') out.push(`${key}=${await redis.get(key)}`);
        else if (type === 'hash') out.push(`${key}=${JSON.stringify(await redis.hGetAll(key))}`);
        else out.push(`${key}:${type}`);
      }
    }
    return out;
  } finally {
    redis.destroy();
  }
}

describe('redis cache under an encrypted namespace', () => {
  it('holds no plaintext value; the same workload unencrypted leaves the marker in Redis', async () => {
    const counts: Record<string, number> = {};
    for (const encrypted of [true, false]) {
      const prefix = uniquePrefix(encrypted ? 'enc' : 'plain');
      const storage = client(prefix, encrypted);
      const users = storage.records<{ ssn: string; i: number }>('users');
      for (let i = 0; i < 10; i++) await users.put(`u${i}`, { ssn: MARKER, i });
      for (let i = 0; i < 10; i++) expect((await users.get(`u${i}`, { consistency: 'eventual' })).value).toEqual({ ssn: MARKER, i });
      // Hits (L1 and Redis) open the sealed entries.
      for (let i = 0; i < 10; i++) expect((await users.get(`u${i}`, { consistency: 'eventual' })).value).toEqual({ ssn: MARKER, i });
      const entries = await rawScan(prefix);
      expect(entries.length).toBeGreaterThanOrEqual(10);
      counts[encrypted ? 'encrypted' : 'plain'] = entries.filter((entry) => entry.includes(MARKER)).length;
    }
    expect(counts).toEqual({ encrypted: 0, plain: 10 });
  });
});
