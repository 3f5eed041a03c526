import type { OutboxBatchOutcome, OutboxClaimRequest, OutboxEnqueueRequest, OutboxReceipt, OutboxRow, OutboxStats, OutboxStore, OutboxWatch } from '@sanctum/storage-core/spi';
import type { Client, createClient } from '../connection.js';
import { quoteIdent } from '../migrations/catalog.js';
import { adapterError, toStorageError } from '../errors.js';
import type { Executor } from '../executor.js';
import type { Lanes } from '../lanes.js';
import type { ObjectNames } from '../names.js';
import type { Statement } from '../sql/compile.js';
import { textArray } from '../sql/text-array.js';

export interface ClaimedRow {
  readonly id: string;
  readonly stream: string;
  readonly msg_key: string | null;
  readonly payload: string;
  /** JSON text (parsed here, whatever the connection's type parsers do). */
  readonly headers: string;
  readonly created_at: Date;
  readonly attempts: number;
}

export interface FenceRow {
  readonly stream: string;
  readonly msg_key: string;
  readonly fence: string;
}

/** The outbox statements for one table; every value is a parameter, names are quoted identifiers. */
export interface OutboxStatements {
  readonly enqueue: Statement<{ stream: string; key: string | null; payload: string; headers: string }, { id: string }>;
  /** The channel `enqueue` notifies; a relay LISTENs on it. */
  readonly channel: string;
  readonly claim: string;
  readonly fences: string;
  readonly markSent: string;
  readonly markFailed: string;
  readonly stats: string;
  readonly purge: string;
}

export function outboxStatements(names: ObjectNames): OutboxStatements {
  const table = `${quoteIdent(names.schema)}.${quoteIdent(names.outbox)}`;
  return {
    // pg_notify in the same statement: PostgreSQL delivers it only if and when the transaction
    // commits, once per transaction however many rows it wrote (identical notifications merge).
    enqueue: {
      text: `with ins as (insert into ${table} (stream, msg_key, payload, headers) values ($1::text, $2::text, $3::text, $4::text::jsonb) returning id)
        select ins.id::text as id from ins, pg_notify($5::text, '') as n`,
      bind: (a) => [a.stream, a.key, a.payload, a.headers, names.outboxChannel],
    },
    channel: names.outboxChannel,
    // Oldest pending rows nobody else holds; the lock lasts until the relay's transaction ends.
    // `order by o.id`: the bigint column, not the text alias (which would put 10 before 9).
    claim: `select o.id::text as id, o.stream, o.msg_key, o.payload, o.headers::text as headers, o.created_at, o.attempts from ${table} o
      where o.status = 0 order by o.id limit $1::int for update of o skip locked`,
    // Per (stream, key) we hold: the oldest pending row up to our newest that we do NOT hold. Our rows
    // of that key from there on must wait (another relay holds an older one, or it committed late).
    fences: `select o.stream, o.msg_key, min(o.id)::text as fence
      from ${table} o
      join unnest($1::text[], $2::text[], $3::bigint[]) as b(stream, msg_key, last_id)
        on o.stream = b.stream and o.msg_key = b.msg_key and o.id <= b.last_id
      where o.status = 0 and o.msg_key is not null and not (o.id = any($4::bigint[]))
      group by o.stream, o.msg_key`,
    markSent: `update ${table} set status = 1, sent_at = clock_timestamp() where id = any($1::bigint[])`,
    markFailed: `update ${table} o set attempts = o.attempts + 1, last_error = f.error, status = case when f.dead then 2 else 0 end
      from unnest($1::bigint[], $2::text[], $3::boolean[]) as f(id, error, dead) where o.id = f.id`,
    stats: `select (select count(*) from ${table} where status = 0)::int as pending,
      (select count(*) from ${table} where status = 2)::int as dead,
      (select o.created_at from ${table} o where o.status = 0 order by o.id limit 1) as oldest`,
    purge: `with doomed as (select id from ${table} where status = 1 and sent_at < $1::timestamptz limit $2::int)
      delete from ${table} o using doomed where o.id = doomed.id`,
  };
}

/** `enqueueOutbox` of one transaction: an INSERT on the transaction's connection. */
export function enqueueOn(executor: Executor, statements: OutboxStatements): (request: OutboxEnqueueRequest) => Promise<OutboxReceipt> {
  return async (request) => {
    const rows = await executor.run(
      statements.enqueue,
      { stream: request.stream, key: request.key ?? null, payload: request.payload, headers: JSON.stringify(request.headers ?? {}) },
      { operation: 'streams.transaction.publish', namespace: request.stream },
    );
    return { id: rows[0]!.id };
  };
}

function toRow(row: ClaimedRow): OutboxRow {
  return {
    id: row.id,
    stream: row.stream,
    ...(row.msg_key === null ? {} : { key: row.msg_key }),
    payload: row.payload,
    headers: JSON.parse(row.headers) as Record<string, string>,
    createdAt: row.created_at,
    attempts: row.attempts,
  };
}

/** Our claimed rows that may go now: per (stream, key), only those older than the first row held elsewhere. */
export function releasable(rows: readonly ClaimedRow[], fences: readonly FenceRow[]): ClaimedRow[] {
  if (fences.length === 0) return [...rows];
  const fenceOf = new Map(fences.map((f) => [`${f.stream}\u0000${f.msg_key}`, BigInt(f.fence)]));
  return rows.filter((row) => {
    if (row.msg_key === null) return true;
    const fence = fenceOf.get(`${row.stream}\u0000${row.msg_key}`);
    return fence === undefined || BigInt(row.id) < fence;
  });
}

/** Opens a single-connection client (connecting lazily); `hooks` for a listening one. */
export type Connect = (hooks?: Parameters<typeof createClient>[3]) => Client;

const RELISTEN_MAX_MS = 5_000;

/**
 * The relay side of the PostgreSQL outbox. Relays claim on a connection of their own, outside the
 * pool: an in-process relay would otherwise queue behind the application's transactions for a
 * connection, and that wait was most of its commit-to-publish latency. Relays of one process share
 * that connection (their batches take turns). Watching (LISTEN) takes one more connection.
 */
export class PostgresOutbox implements OutboxStore {
  readonly #lanes: Lanes;
  readonly #sql: OutboxStatements;
  readonly #connect: Connect;
  #relayClient: Client | undefined;
  readonly #watches = new Set<{ close(): Promise<void> }>();

  constructor(lanes: Lanes, statements: OutboxStatements, connect: Connect) {
    this.#lanes = lanes;
    this.#sql = statements;
    this.#connect = connect;
  }

  /**
   * LISTENs on the outbox's channel on a connection of its own and calls `onCommit` for every
   * notification. When that connection drops it listens again (with backoff) and then calls
   * `onCommit` once, since commits while it was away went unnoticed.
   */
  async watch(onCommit: () => void): Promise<OutboxWatch> {
    let closed = false;
    // One loop at a time: every failed reconnect closes a connection again, and each close would
    // otherwise start a loop of its own (and wake the relay once more).
    let relistening = false;
    const listen = `listen ${quoteIdent(this.#sql.channel)}`;
    const relisten = async (): Promise<void> => {
      if (relistening) return;
      relistening = true;
      try {
        for (let attempt = 0; !closed; attempt++) {
          try {
            await client.unsafe(listen);
            if (!closed) onCommit();
            return;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, Math.min(RELISTEN_MAX_MS, 50 * 2 ** attempt)));
          }
        }
      } finally {
        relistening = false;
      }
    };
    const client = this.#connect({
      onnotify: () => onCommit(),
      onclose: () => void (closed ? undefined : relisten()),
      // An idle LISTEN connection is the point: never retire it for idleness or age.
      idle_timeout: 0,
      max_lifetime: null,
    });
    try {
      await client.unsafe(listen);
    } catch (error) {
      closed = true;
      await client.end({ timeout: 0 }).catch(() => undefined);
      throw toStorageError(error, { operation: 'outbox.watch' });
    }
    const watch = {
      close: async () => {
        if (closed) return;
        closed = true;
        this.#watches.delete(watch);
        await client.end({ timeout: 1 }).catch(() => undefined);
      },
    };
    this.#watches.add(watch);
    return watch;
  }

  /** Ends the relay's and the watches' connections (the store is closing). */
  async close(timeoutSeconds: number): Promise<void> {
    await Promise.all([...this.#watches].map((watch) => watch.close()));
    await this.#relayClient?.end({ timeout: timeoutSeconds });
  }

  async relayBatch(request: OutboxClaimRequest, publish: (rows: readonly OutboxRow[]) => Promise<OutboxBatchOutcome>): Promise<number> {
    const context = { operation: 'outbox.relay' };
    if (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > 10_000) {
      throw adapterError('INVALID_ARGUMENT', 'limit must be an integer from 1 to 10000', context, { field: 'limit' });
    }
    if (request.signal?.aborted === true) throw request.signal.reason;
    const client = (this.#relayClient ??= this.#connect());
    let failure: { readonly error: unknown } | undefined;
    try {
      return await client.begin('isolation level read committed', async (tx) => {
        const claimed = await tx.unsafe<ClaimedRow[]>(this.#sql.claim, [request.limit], { prepare: true });
        if (claimed.length === 0) return 0;
        const lastOfKey = new Map<string, ClaimedRow>();
        for (const row of claimed) if (row.msg_key !== null) lastOfKey.set(`${row.stream}\u0000${row.msg_key}`, row);
        const keyed = [...lastOfKey.values()];
        const fences =
          keyed.length === 0
            ? []
            : await tx.unsafe<FenceRow[]>(
                this.#sql.fences,
                [textArray(keyed.map((r) => r.stream)), textArray(keyed.map((r) => r.msg_key)), textArray(keyed.map((r) => r.id)), textArray(claimed.map((r) => r.id))],
                { prepare: true },
              );
        const ready = releasable(claimed, fences);
        if (ready.length === 0) return 0;
        let outcome: OutboxBatchOutcome;
        try {
          outcome = await publish(ready.map(toRow));
        } catch (error) {
          failure = { error };
          throw error;
        }
        if (outcome.sent.length > 0) await tx.unsafe(this.#sql.markSent, [textArray(outcome.sent)], { prepare: true });
        if (outcome.failed.length > 0) {
          await tx.unsafe(
            this.#sql.markFailed,
            [textArray(outcome.failed.map((f) => f.id)), textArray(outcome.failed.map((f) => f.error)), textArray(outcome.failed.map((f) => f.dead))],
            { prepare: true },
          );
        }
        return ready.length;
      });
    } catch (error) {
      if (failure !== undefined) throw failure.error;
      throw toStorageError(error, context);
    }
  }

  async stats(): Promise<OutboxStats> {
    const lane = await this.#lanes.acquire(false);
    try {
      const [row] = await lane.client.unsafe<Array<{ pending: number; dead: number; oldest: Date | null }>>(this.#sql.stats, [], { prepare: true });
      return { pending: row!.pending, dead: row!.dead, ...(row!.oldest === null ? {} : { oldestPendingAt: row!.oldest }) };
    } catch (error) {
      throw toStorageError(error, { operation: 'outbox.stats' });
    } finally {
      this.#lanes.release(lane, false);
    }
  }

  async purgeSent(request: { readonly sentBefore: Date; readonly limit: number }): Promise<number> {
    const lane = await this.#lanes.acquire(false);
    try {
      const result = await lane.client.unsafe(this.#sql.purge, [request.sentBefore.toISOString(), request.limit], { prepare: true });
      return result.count;
    } catch (error) {
      throw toStorageError(error, { operation: 'outbox.purge' });
    } finally {
      this.#lanes.release(lane, false);
    }
  }
}
