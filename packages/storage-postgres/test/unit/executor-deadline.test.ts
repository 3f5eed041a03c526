import postgresJs from 'postgres';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/connection.js';
import { CANCEL_GRACE_MS, poolExecutor, transactionExecutor } from '../../src/executor.js';
import { Lanes } from '../../src/lanes.js';
import type { Statement } from '../../src/sql/compile.js';

/**
 * A connection whose statements never answer unless told. `cancel()`: 'server' — the server confirms
 * (a PostgresError 57014); 'local' — the driver drops a statement it never sent (postgres.js rejects it
 * with a 57014 of its own, a plain Error); false — nothing answers.
 */
function stuckClient(id: number, cancels: 'server' | 'local' | false) {
  const state = { id, ended: 0, cancelled: 0, settle: [] as Array<{ resolve: (rows: unknown) => void; reject: (error: unknown) => void }> };
  const client = {
    id,
    unsafe() {
      let reject!: (error: unknown) => void;
      let resolve!: (rows: unknown) => void;
      const query = new Promise((res, rej) => ((resolve = res), (reject = rej))) as Promise<unknown> & { cancel(): Promise<void> };
      state.settle.push({ resolve, reject });
      query.cancel = () => {
        state.cancelled += 1;
        if (cancels === 'server') reject(new postgresJs.PostgresError({ message: 'canceling statement due to user request', code: '57014' } as never));
        if (cancels === 'local') reject(Object.assign(new Error('57014: canceling statement due to user request'), { code: '57014' }));
        return Promise.reject(new Error('cancel request could not be sent')); // never unhandled
      };
      return query;
    },
    end: () => {
      state.ended += 1;
      return Promise.resolve();
    },
  };
  return { client: client as unknown as Client, state };
}

const statement = { text: 'select 1', bind: () => [] } as unknown as Statement<object, unknown>;
const context = { operation: 'records.get', namespace: 'n' };

describe('pool executor: a statement ends by its signal whatever the server does', () => {
  it('cancel confirmed: the statement is known not to have run, and the connection is kept', async () => {
    const { client, state } = stuckClient(0, 'server');
    const lanes = new Lanes([client], 1, () => stuckClient(1, 'server').client);
    const controller = new AbortController();
    const running = poolExecutor(lanes).run(statement, {}, context, controller.signal);
    controller.abort(new DOMException('deadline', 'TimeoutError'));
    const error = await running.then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'TIMEOUT', operation: 'records.get' });
    expect((error as { details?: { outcome?: string } }).details?.outcome).toBeUndefined();
    expect(state.cancelled).toBe(1);
    expect(lanes.discarded).toBe(0);
    expect(lanes.lanes[0]!.client).toBe(client);
  });

  it('the driver drops a statement it never sent (its connection never became ready): the connection is replaced', async () => {
    const { client, state } = stuckClient(0, 'local');
    const fresh = stuckClient(1, 'server');
    const lanes = new Lanes([client], 1, () => fresh.client);
    const controller = new AbortController();
    const running = poolExecutor(lanes).run(statement, {}, context, controller.signal);
    controller.abort(new DOMException('deadline', 'TimeoutError'));
    const error = await running.then(() => undefined, (e: unknown) => e);
    // Never sent, so it did not run: the outcome is known.
    expect(error).toMatchObject({ code: 'TIMEOUT', operation: 'records.get' });
    expect((error as { details?: { outcome?: string } }).details?.outcome).toBeUndefined();
    expect(state.cancelled).toBe(1);
    expect(lanes.discarded).toBe(1);
    expect(state.ended).toBe(1);
    expect(lanes.lanes[0]!.client).toBe(fresh.client);
    expect(lanes.active).toBe(0);
  });

  it('a statement dropped unsent behind one still running waited its turn: the connection is kept until that one is dropped too', async () => {
    const { client, state } = stuckClient(0, 'local');
    const fresh = stuckClient(1, 'server');
    const lanes = new Lanes([client], 2, () => fresh.client);
    const executor = poolExecutor(lanes);
    const first = new AbortController();
    const second = new AbortController();
    const running = executor.run(statement, {}, context, first.signal).then(() => undefined, (e: unknown) => e);
    const queued = executor.run(statement, {}, context, second.signal).then(() => undefined, (e: unknown) => e);
    second.abort(new DOMException('caller', 'AbortError'));
    expect(await queued).toMatchObject({ code: 'UNAVAILABLE' });
    expect(lanes.discarded).toBe(0);
    expect(lanes.lanes[0]!.client).toBe(client);
    first.abort(new DOMException('deadline', 'TimeoutError'));
    expect(await running).toMatchObject({ code: 'TIMEOUT' });
    expect(lanes.discarded).toBe(1);
    expect(state.ended).toBe(1);
  });

  it('no answer to the cancel: after the grace the connection is discarded and replaced, the outcome unknown', async () => {
    const { client, state } = stuckClient(0, false);
    const fresh = stuckClient(1, 'server');
    const lanes = new Lanes([client], 2, () => fresh.client);
    const executor = poolExecutor(lanes);
    const shared = new AbortController();
    // Two statements share one signal (as the calls of one deadline slot do).
    const first = executor.run(statement, {}, context, shared.signal);
    const second = executor.run(statement, {}, context, shared.signal);
    const started = performance.now();
    shared.abort(new DOMException('deadline', 'TimeoutError'));
    const errors = await Promise.all([first, second].map((p) => p.then(() => undefined, (e: unknown) => e)));
    const took = performance.now() - started;
    for (const error of errors) expect(error).toMatchObject({ code: 'TIMEOUT', details: { outcome: 'unknown' } });
    expect(took).toBeGreaterThanOrEqual(CANCEL_GRACE_MS - 5);
    expect(state.ended).toBe(1); // destroyed, never reused
    expect(lanes.discarded).toBe(1);
    expect(lanes.lanes[0]!.client).toBe(fresh.client);
    expect(lanes.active).toBe(0);
    // The fresh connection takes the next statement at once; late answers of the old one are ignored.
    expect(lanes.tryAcquire()?.client).toBe(fresh.client);
    state.settle[0]!.resolve([]);
    state.settle[1]!.reject(Object.assign(new Error('destroyed'), { code: 'CONNECTION_DESTROYED' }));
    await new Promise((r) => setTimeout(r, 10));
    expect(lanes.active).toBe(1);
  });
});

describe('executors: aborts around a wait and inside a transaction', () => {
  it('a waiter whose signal fires as it is handed a connection gives it back and fails', async () => {
    const { client } = stuckClient(0, 'server');
    const lanes = new Lanes([client], 1, () => stuckClient(1, 'server').client);
    const busy = lanes.tryAcquire()!;
    const controller = new AbortController();
    const waiting = poolExecutor(lanes).run(statement, {}, context, controller.signal);
    lanes.release(busy, false); // hands the connection to the waiter…
    controller.abort(); // …whose signal fires before it resumes
    await expect(waiting).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(lanes.active).toBe(0);
  });

  it('a transaction statement fails by its signal, or with the mapped driver error', async () => {
    let fail!: (error: unknown) => void;
    const runner = {
      unsafe: () => {
        const query = new Promise((_, reject) => (fail = reject)) as Promise<unknown> & { cancel(): Promise<void> };
        query.cancel = () => Promise.reject(new Error('no cancel'));
        return query;
      },
    };
    const executor = transactionExecutor(runner as never, () => true);
    const controller = new AbortController();
    const aborted = executor.run(statement, {}, context, controller.signal);
    controller.abort();
    fail(Object.assign(new Error('canceled'), { code: '57014' }));
    await expect(aborted).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/aborted/) });
    const failing = executor.run(statement, {}, context, new AbortController().signal);
    fail(Object.assign(new Error('connection'), { code: '08006' }));
    await expect(failing).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });
});
