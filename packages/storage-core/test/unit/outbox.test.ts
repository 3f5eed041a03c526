import { describe, expect, it } from 'vitest';
import {
  IDEMPOTENCY_KEY_HEADER,
  OUTBOX_ID_HEADER,
  StorageError,
  createStorageClient,
  idempotentHandler,
  idempotentTransaction,
  isStorageError,
  recordClaims,
  relayOutboxOnce,
  runOutboxRelay,
  startOutboxRelay,
  type IdempotencyClaims,
  type Message,
} from '../../src/index.js';
import {
  createMemoryRecordStore,
  createMemoryStreamStore,
  defineAdapter,
  memoryRecords,
  memoryStreams,
  type OutboxEnqueueRequest,
  type OutboxRow,
  type OutboxStore,
  type RecordOperations,
  type RecordStore,
  type StreamStore,
} from '../../src/spi/index.js';
import { createTestCache } from '../support/map-cache.js';

interface Row extends OutboxRow {
  status: 'pending' | 'sent' | 'dead';
  attempts: number;
}

/** A record adapter with an outbox: the memory store plus rows that exist once `work` resolved. */
function outboxAdapter(options: { failRelay?: number } = {}) {
  const records = createMemoryRecordStore();
  const rows: Row[] = [];
  let next = 1;
  let failRelay = options.failRelay ?? 0;
  const outbox: OutboxStore = {
    async relayBatch(request, publish) {
      if (failRelay > 0) {
        failRelay -= 1;
        throw new StorageError('UNAVAILABLE', 'database down');
      }
      const pending = rows.filter((r) => r.status === 'pending').slice(0, request.limit);
      if (pending.length === 0) return 0;
      const outcome = await publish(pending.map((r) => ({ ...r })));
      for (const id of outcome.sent) rows.find((r) => r.id === id)!.status = 'sent';
      for (const f of outcome.failed) {
        const row = rows.find((r) => r.id === f.id)!;
        row.attempts += 1;
        if (f.dead) row.status = 'dead';
      }
      return pending.length;
    },
    async stats() {
      const pending = rows.filter((r) => r.status === 'pending');
      return { pending: pending.length, dead: rows.filter((r) => r.status === 'dead').length, ...(pending[0] ? { oldestPendingAt: pending[0].createdAt } : {}) };
    },
    async purgeSent({ limit }) {
      let n = 0;
      for (let i = rows.length - 1; i >= 0 && n < limit; i--) {
        if (rows[i]!.status !== 'sent') continue;
        rows.splice(i, 1);
        n += 1;
      }
      return n;
    },
  };
  const store: RecordStore = {
    kind: 'record',
    name: 'outboxed',
    capabilities: { ...records.capabilities, outbox: true },
    get: (r) => records.get(r),
    put: (r) => records.put(r),
    delete: (r) => records.delete(r),
    list: (r) => records.list(r),
    async transaction(work) {
      const staged: Row[] = [];
      const result = await records.transaction!((tx: RecordOperations) =>
        work({
          ...tx,
          get: (r) => tx.get(r),
          put: (r) => tx.put(r),
          delete: (r) => tx.delete(r),
          list: (r) => tx.list(r),
          async enqueueOutbox(request: OutboxEnqueueRequest) {
            const id = String(next++);
            staged.push({ id, stream: request.stream, ...(request.key === undefined ? {} : { key: request.key }), payload: request.payload, headers: request.headers ?? {}, createdAt: new Date(Date.now() - 2000), attempts: 0, status: 'pending' });
            return { id };
          },
        }),
      );
      rows.push(...staged);
      return result;
    },
    outbox,
  };
  return { rows, factory: defineAdapter({ kind: 'record', name: 'outboxed', optionsSchema: memoryRecords().optionsSchema, create: () => store }) };
}

/** Memory streams whose publish fails for payloads containing "boom" (retryable) or "poison" (not). */
function flakyStreams(): { store: StreamStore; factory: ReturnType<typeof defineAdapter> } {
  const inner = createMemoryStreamStore();
  const store: StreamStore = {
    kind: 'stream',
    name: 'flaky',
    capabilities: inner.capabilities,
    async publish(request) {
      for (const m of request.messages) {
        const text = Buffer.from(m.payload).toString();
        if (request.namespace.endsWith('.dead-letter')) continue;
        if (text.includes('boom')) throw new StorageError('UNAVAILABLE', 'stream hiccup');
        if (text.includes('poison')) throw new StorageError('PAYLOAD_TOO_LARGE', 'too big', { retryable: false });
      }
      return inner.publish(request);
    },
    subscribe: (r) => inner.subscribe(r),
  };
  return { store, factory: defineAdapter({ kind: 'stream', name: 'flaky', optionsSchema: memoryStreams().optionsSchema, create: () => store }) };
}

function clientWithOutbox(options: { failRelay?: number } = {}) {
  const adapter = outboxAdapter(options);
  const streams = flakyStreams();
  const client = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { db: { use: 'outboxed' }, bus: { use: 'flaky' } },
      namespaces: { orders: { kind: 'record', adapter: 'db' }, events: { kind: 'stream', adapter: 'bus' }, memo: { kind: 'record' } },
    },
    { adapters: [adapter.factory, streams.factory] },
  );
  return { client, rows: adapter.rows };
}

async function received(client: ReturnType<typeof createStorageClient>, namespace: string, count: number): Promise<Array<Message<unknown>>> {
  const seen: Array<Message<unknown>> = [];
  const topic = namespace.endsWith('.dead-letter') ? client.streams('events').deadLetters() : client.streams(namespace);
  const sub = await topic.subscribe('test', async (m) => void seen.push(m));
  const deadline = Date.now() + 3_000;
  while (seen.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  await sub.close();
  return seen;
}

describe('transactional outbox (facade)', () => {
  it('refuses a record adapter without an outbox, with what to do', async () => {
    const { client } = clientWithOutbox();
    const error = await client
      .records('memo')
      .transaction((tx) => tx.streams('events').publish({ a: 1 }))
      .catch((e: unknown) => e);
    expect(isStorageError(error, 'UNSUPPORTED')).toBe(true);
    expect((error as Error).message).toMatch(/cannot publish inside a transaction \(capability "outbox"\)/);
    expect(() => client.outbox('memory')).toThrow(/has no outbox/);
    expect(() => client.outbox('bus')).toThrow(/no record adapter instance "bus"/);
    await client.close();
    expect(() => client.outbox('db')).toThrow(/closed/);
  });

  it('writes with the transaction, relays with the outbox id as idempotency key, nothing for a rollback', async () => {
    const { client, rows } = clientWithOutbox();
    const { id } = await client.records('orders').transaction(async (tx) => {
      await tx.put('o1', { n: 1 });
      return tx.streams('events').publish({ n: 1 }, { key: 'k', headers: { h: 'v' } });
    });
    await expect(
      client.records('orders').transaction(async (tx) => {
        await tx.streams('events').publish({ n: 2 });
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(rows.map((r) => r.id)).toEqual([id]);
    expect(await client.outbox('db').stats()).toMatchObject({ pending: 1, dead: 0 });
    expect(await relayOutboxOnce({ client, adapter: 'db' })).toEqual({ claimed: 1, sent: 1, failed: 0, dead: 0 });
    const [message] = await received(client, 'events', 1);
    expect(message!.payload).toEqual({ n: 1 });
    expect(message!.key).toBe('k');
    expect(message!.headers).toMatchObject({ h: 'v', [IDEMPOTENCY_KEY_HEADER]: id, [OUTBOX_ID_HEADER]: id });
    expect(await relayOutboxOnce({ client, adapter: 'db' })).toEqual({ claimed: 0, sent: 0, failed: 0, dead: 0 });
    await client.close();
  });

  it('a failing row holds back its key, counts attempts, and is dead-lettered after maxAttempts', async () => {
    const { client, rows } = clientWithOutbox();
    await client.records('orders').transaction(async (tx) => {
      const events = tx.streams('events');
      await events.publish({ v: 'boom' }, { key: 'a' });
      await events.publish({ v: 'after' }, { key: 'a' });
      await events.publish({ v: 'other' }, { key: 'b' });
      await events.publish({ v: 'poison' }, { key: 'c' });
      await events.publish({ v: 'unkeyed' });
    });
    const first = await relayOutboxOnce({ client, adapter: 'db', maxAttempts: 2 });
    // boom: retryable, attempt 1 of 2; poison: not retryable, dead at once; after waits.
    expect(first).toEqual({ claimed: 5, sent: 2, failed: 1, dead: 1 });
    expect(rows.map((r) => r.status)).toEqual(['pending', 'pending', 'sent', 'dead', 'sent']);
    const second = await relayOutboxOnce({ client, adapter: 'db', maxAttempts: 2 });
    expect(second).toEqual({ claimed: 2, sent: 0, failed: 0, dead: 1 });
    expect(await relayOutboxOnce({ client, adapter: 'db', maxAttempts: 2 })).toEqual({ claimed: 1, sent: 1, failed: 0, dead: 0 });
    expect(rows.map((r) => r.status)).toEqual(['dead', 'sent', 'sent', 'dead', 'sent']);
    const dead = await received(client, 'events.dead-letter', 2);
    expect(dead.map((m) => m.payload)).toEqual([{ v: 'poison' }, { v: 'boom' }]);
    expect(dead[1]!.headers).toMatchObject({ 'x-dead-letter-error': 'UNAVAILABLE: stream hiccup', 'x-dead-letter-attempts': '2' });
    expect((await received(client, 'events', 3)).map((m) => m.payload)).toEqual([{ v: 'other' }, { v: 'unkeyed' }, { v: 'after' }]);
    await client.close();
  });

  it('runs in the background, survives a failing database, purges sent rows', async () => {
    const { client, rows } = clientWithOutbox({ failRelay: 2 });
    const errors: unknown[] = [];
    const relay = startOutboxRelay({ client, adapter: 'db', idleMs: 1, housekeepingMs: 10, retentionMs: 1, onError: (e) => errors.push(e) });
    await client.records('orders').transaction((tx) => tx.streams('events').publish({ n: 1 }));
    const deadline = Date.now() + 3_000;
    while ((rows.length > 0 || errors.length < 2) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    await relay.close();
    expect(errors.map((e) => (e as StorageError).code)).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
    expect(rows).toEqual([]); // sent, then purged
    expect(await received(client, 'events', 1)).toHaveLength(1);
    const controller = new AbortController();
    const running = runOutboxRelay({ client, adapter: 'db', signal: controller.signal });
    controller.abort();
    await running;
    await expect(runOutboxRelay({ client, adapter: 'db', signal: 'no' as never })).rejects.toThrow(/AbortSignal/);
    await expect(relayOutboxOnce({ client: {} as never, adapter: 'db' })).rejects.toThrow(/options.client/);
    await expect(relayOutboxOnce({ client, adapter: 'db', idleMs: 1.5 })).rejects.toThrow(/idleMs must be an integer/);
    await client.close();
  });
});

describe('idempotent helper with atomic claims', () => {
  function mapClaims(): IdempotencyClaims & { readonly state: Map<string, string> } {
    const state = new Map<string, string>();
    return {
      state,
      async claim(key) {
        if (state.has(key)) return false;
        state.set(key, 'running');
        return true;
      },
      async complete(key) {
        state.set(key, 'done');
      },
      async release(key) {
        state.delete(key);
      },
    };
  }

  it('claims before running, frees the claim on failure, dedupes by the idempotency-key header', async () => {
    const claims = mapClaims();
    const runs: string[] = [];
    let fail = true;
    const handle = idempotentHandler(
      async (m: { id: string; headers: Record<string, string> }) => {
        runs.push(m.id);
        if (fail) {
          fail = false;
          throw new Error('first try fails');
        }
      },
      { claims },
    );
    const m1 = { id: '1-0', headers: { [IDEMPOTENCY_KEY_HEADER]: 'ob-7' } };
    await expect(handle(m1)).rejects.toThrow('first try fails');
    expect(claims.state.has('ob-7')).toBe(false);
    await handle(m1);
    await handle({ id: '2-0', headers: { [IDEMPOTENCY_KEY_HEADER]: 'ob-7' } }); // a duplicate publish
    expect(runs).toEqual(['1-0', '1-0']);
    expect(claims.state.get('ob-7')).toBe('done');
  });

  it('refuses a shared cache store (not atomic) and both kinds of store at once', () => {
    const shared = { ...createTestCache(), capabilities: { shared: true } };
    expect(() => idempotentHandler(async () => undefined, { store: shared })).toThrow(/cannot claim an id atomically/);
    expect(() => idempotentHandler(async () => undefined, { store: createTestCache(), claims: mapClaims() })).toThrow(/not both/);
  });

  it('recordClaims: a create-only put per id, freed on release', async () => {
    const client = createStorageClient({ schemaVersion: 1, namespaces: { handled: { kind: 'record' } } });
    const claims = recordClaims(client.records('handled'), { prefix: 'c/' });
    expect(await claims.claim('a', 1_000)).toBe(true);
    expect(await claims.claim('a', 1_000)).toBe(false);
    await claims.release('a');
    expect(await claims.claim('a', 1_000)).toBe(true);
    await claims.complete('a', 60_000);
    expect((await client.records('handled').get('c/a')).value).toMatchObject({ state: 'done' });
    expect(await claims.claim('a', 1_000)).toBe(false);
    await claims.complete('b', 1_000); // without a claim: written unconditionally
    await claims.release('b');
    await expect(claims.claim('x'.repeat(5000), 1_000)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'INVALID_ARGUMENT'));
    await client.close();
  });

  it('idempotentTransaction: claim and effects commit together; a failure leaves neither', async () => {
    const client = createStorageClient({ schemaVersion: 1, namespaces: { handled: { kind: 'record' }, effects: { kind: 'record' } } });
    let fail = true;
    const handle = idempotentTransaction(client.records('handled'), async (m: { id: string }, tx) => {
      await tx.records('effects').put(`e/${m.id}/${String(Date.now())}`, { id: m.id });
      if (fail) {
        fail = false;
        throw new Error('crash before commit');
      }
    });
    await expect(handle({ id: 'm1' })).rejects.toThrow('crash before commit');
    expect((await client.records('effects').list()).items).toHaveLength(0);
    await handle({ id: 'm1' });
    await handle({ id: 'm1' });
    expect((await client.records('effects').list()).items).toHaveLength(1);
    expect(() => idempotentTransaction({} as never, async () => undefined)).toThrow(/record collection/);
    await client.close();
  });
});
