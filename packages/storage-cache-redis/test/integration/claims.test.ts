// Idempotency claims on the rig's Redis: the claim's rules, and two consumer processes on one group.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorageClient, idempotentHandler, isStorageError, type StorageClient } from '@sanctum/storage-core';
import { redisStreams } from '@sanctum/storage-stream/redis';
import { createRedisClaims, type RedisClaims } from '../../src/index.js';
import { redisUrl, uniquePrefix } from '../support/redis.js';

const CONSUMER = fileURLToPath(new URL('./claims/consumer.ts', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createRedisClaims', () => {
  let a: RedisClaims;
  let b: RedisClaims;
  beforeAll(async () => {
    const keyPrefix = uniquePrefix('claims');
    a = createRedisClaims({ url: redisUrl, keyPrefix });
    b = createRedisClaims({ url: redisUrl, keyPrefix });
    await Promise.all([a.open(), b.open()]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('one claim wins; release frees it; done holds it for the TTL; a lapsed lease can be taken over', async () => {
    const racers = await Promise.all([a.claim('m1', 10_000), b.claim('m1', 10_000), a.claim('m1', 10_000), b.claim('m1', 10_000)]);
    expect(racers.filter(Boolean)).toHaveLength(1);

    expect(await a.claim('m2', 10_000)).toBe(true);
    await a.release('m2'); // the handler failed: the redelivery may claim
    expect(await b.claim('m2', 10_000)).toBe(true);
    await b.complete('m2', 300);
    expect(await a.claim('m2', 10_000)).toBe(false); // done
    await sleep(450);
    expect(await a.claim('m2', 10_000)).toBe(true); // remembered for ttlMs only

    expect(await a.claim('m3', 100)).toBe(true); // a holder that stalls past its lease …
    await sleep(250);
    expect(await b.claim('m3', 10_000)).toBe(true); // … loses it to another consumer,
    await a.release('m3'); // and its late release does not free the other's claim
    expect(await a.claim('m3', 10_000)).toBe(false);
  });

  it('release of an id it does not hold does nothing; complete without a claim marks it done', async () => {
    expect(await a.claim('m4', 10_000)).toBe(true);
    await b.release('m4'); // b never claimed m4
    expect(await b.claim('m4', 10_000)).toBe(false);
    await b.complete('m5', 10_000); // no claim (e.g. it expired and nobody took it): done anyway
    expect(await a.claim('m5', 10_000)).toBe(false);
  });

  it('connects under a client name; close is idempotent, also before open', async () => {
    const named = createRedisClaims({ url: redisUrl, keyPrefix: uniquePrefix('claims-named'), clientName: 'claims-test' });
    await named.open();
    expect(await named.claim('x', 1_000)).toBe(true);
    await named.close();
    await named.close();
    const never = createRedisClaims({ url: redisUrl });
    await never.close();
  });

  it('checks its options and maps a dead server to UNAVAILABLE', async () => {
    expect(() => createRedisClaims(null as never)).toThrow(/options must be an object/);
    expect(() => createRedisClaims({ url: redisUrl, keyPrefix: 5 as never })).toThrow(/keyPrefix must be a string/);
    expect(() => createRedisClaims({ url: 'http://x' })).toThrow(/url must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => createRedisClaims({ url: redisUrl, commandTimeoutMs: 0 })).toThrow(/commandTimeoutMs must be a positive integer/);
    const dead = createRedisClaims({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 200 });
    await expect(dead.open()).rejects.toSatisfy((e: unknown) => isStorageError(e, 'UNAVAILABLE'));
    await dead.close();
  });
});

function consumer(settings: { redisUrl: string; prefix: string }, mode: 'set-nx' | 'get-then-set', onHandled: (id: string, pid: number) => void): { child: ChildProcess; ready: Promise<void>; stop: () => Promise<void> } {
  const child = fork(CONSUMER, [JSON.stringify(settings), mode], { execArgv: ['--conditions=@sanctum/source', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let ready!: () => void;
  const readyP = new Promise<void>((resolve) => (ready = resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (message: { ready?: true; handled?: string; pid?: number }) => {
    if (message.ready === true) ready();
    if (message.handled !== undefined) onHandled(message.handled, message.pid!);
  });
  return {
    child,
    ready: Promise.race([readyP, exited.then(() => Promise.reject(new Error('consumer exited before it was ready')))]),
    stop: async () => {
      if (child.exitCode === null) child.send('stop');
      await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}

/** Two consumer processes on one group; every message published twice (one idempotency key). */
async function pair(mode: 'set-nx' | 'get-then-set', ids: number): Promise<{ twice: number; handled: number; pids: number }> {
  const prefix = uniquePrefix(`claims-pair-${mode}`);
  const runs = new Map<string, number>();
  const pids = new Set<number>();
  const consumers = [0, 1].map(() => consumer({ redisUrl, prefix }, mode, (id, pid) => {
    runs.set(id, (runs.get(id) ?? 0) + 1);
    pids.add(pid);
  }));
  const client: StorageClient = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { bus: { use: 'redis-streams', options: { url: redisUrl, keyPrefix: prefix } } },
      namespaces: { events: { kind: 'stream', adapter: 'bus' } },
    },
    { adapters: [redisStreams()] },
  );
  try {
    await Promise.all(consumers.map((c) => c.ready));
    const events = client.streams<{ i: number }>('events');
    for (let i = 0; i < ids; i += 20) {
      // The two copies back to back: with one message in flight per consumer, they go to the two processes together.
      await events.publishBatch(Array.from({ length: 20 }, (_, j) => [i + j, i + j]).flat().map((k) => ({ payload: { i: k }, headers: { 'idempotency-key': `m-${String(k)}` } })));
    }
    const deadline = Date.now() + 90_000;
    while (runs.size < ids && Date.now() < deadline) await sleep(50);
    await sleep(1_000); // let a second run of any copy arrive
  } finally {
    await Promise.all(consumers.map((c) => c.stop()));
    await client.close();
  }
  expect(runs.size).toBe(ids);
  return { twice: [...runs.values()].filter((n) => n > 1).length, handled: runs.size, pids: pids.size };
}

describe('two consumer processes on one group sharing Redis claims', () => {
  it('no message id is handled twice', async () => {
    const result = await pair('set-nx', 200);
    console.log(`SET NX claims: ${String(result.handled)} ids, ${String(result.twice)} handled twice, by ${String(result.pids)} processes`);
    expect(result.pids).toBe(2);
    expect(result.twice).toBe(0);
  }, 150_000);

  it('the same test catches a get-then-set claim (the guard: it does hand ids out twice)', async () => {
    const result = await pair('get-then-set', 200);
    console.log(`get-then-set claims: ${String(result.handled)} ids, ${String(result.twice)} handled twice`);
    expect(result.twice).toBeGreaterThan(0);
  }, 150_000);

  it('in one process the helper over Redis claims runs a handler once per id', async () => {
    const claims = createRedisClaims({ url: redisUrl, keyPrefix: uniquePrefix('claims-one') });
    await claims.open();
    try {
      let runs = 0;
      let failures = 0;
      const handle = idempotentHandler(
        async () => {
          runs++;
          if (runs === 1) {
            failures++;
            throw new Error('first run fails');
          }
        },
        { claims },
      );
      const message = { id: '1-0', headers: { 'idempotency-key': 'x' } };
      await expect(handle(message)).rejects.toThrow('first run fails'); // claim released
      await handle(message); // the redelivery claims again and runs
      await handle(message); // done: skipped
      expect({ runs, failures }).toEqual({ runs: 2, failures: 1 });
    } finally {
      await claims.close();
    }
  });
});
