import postgresJs from 'postgres';
import { StorageError, abortedError } from '@sanctum/storage-core/spi';
import type { Client } from './connection.js';
import { ADAPTER, adapterError, toStorageError, type ErrorContext } from './errors.js';
import type { Lane, Lanes } from './lanes.js';
import type { Statement } from './sql/compile.js';

/** Runs compiled statements somewhere: on the pool, or on one transaction's connection. */
export interface Executor {
  run<Args extends object, Row>(statement: Statement<Args, Row>, args: Args, context: ErrorContext, signal?: AbortSignal): Promise<Row[]>;
}

type Runner = Pick<Client, 'unsafe'>;

const PREPARED = { prepare: true } as const;

/** The error of an operation whose signal fired: the shared SPI rule, attributed to this adapter. */
export function abortError(signal: AbortSignal, context: ErrorContext): StorageError {
  return abortedError(signal, { operation: context.operation, namespace: context.namespace, adapter: ADAPTER });
}

async function execute<Row>(runner: Runner, text: string, args: unknown[], context: ErrorContext, signal: AbortSignal | undefined): Promise<Row[]> {
  const query = runner.unsafe(text, args as never[], PREPARED);
  if (signal === undefined) {
    try {
      return (await query) as unknown as Row[];
    } catch (error) {
      throw toStorageError(error, context);
    }
  }
  // A fired signal cancels the statement on the server (postgres.js sends a cancel request; when the
  // server cannot take it, that request fails on its own: nothing to report).
  const cancel = () => void Promise.resolve(query.cancel()).catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  // Results are returned after `finally`, not from inside the try (v8 coverage misreports that).
  let rows: Row[];
  try {
    rows = (await query) as unknown as Row[];
  } catch (error) {
    throw signal.aborted ? abortError(signal, context) : toStorageError(error, context);
  } finally {
    signal.removeEventListener('abort', cancel);
  }
  return rows;
}

/**
 * How long a statement whose signal fired may take to end after the cancel request, before its
 * connection is discarded. A live server answers a cancel in about a millisecond; a stalled or
 * unreachable one never does.
 */
export const CANCEL_GRACE_MS = 100;

/** The error of a statement abandoned on a connection that was then discarded: it may have run. */
function abandonedError(signal: AbortSignal, context: ErrorContext): StorageError {
  const base = abortError(signal, context);
  return new StorageError(
    base.code,
    `${base.message}; PostgreSQL did not confirm the cancel within ${String(CANCEL_GRACE_MS)} ms, so the connection was discarded and the statement may or may not have been applied (details.outcome = "unknown")`,
    { operation: context.operation, namespace: context.namespace, adapter: ADAPTER, retryable: base.retryable, cause: base.cause, details: { outcome: 'unknown' } },
  );
}

/**
 * The statements in flight per signal. Many calls can share one signal (the resilience layer gives
 * every call of a deadline slot the same one), so a signal gets one listener, not one per statement:
 * a listener per call costs more than its round trip on a fast server.
 */
const WATCHED = new WeakMap<AbortSignal, Set<Pending>>();

function watch(signal: AbortSignal, statement: Pending): void {
  let set = WATCHED.get(signal);
  if (set === undefined) {
    const statements = new Set<Pending>();
    set = statements;
    WATCHED.set(signal, statements);
    signal.addEventListener(
      'abort',
      () => {
        for (const each of statements) each.abort();
        statements.clear();
      },
      { once: true },
    );
  }
  set.add(statement);
}

/**
 * Whether a statement that failed after its cancel request was cancelled by the server. postgres.js
 * fails a statement it has not sent yet (its connection is still connecting) with a 57014 of its own
 * making: that says nothing about the connection, which may never become ready (after a server
 * restart, a postgres.js connection can stay stuck connecting). Only the server's own answer does.
 */
function confirmedByServer(error: unknown): boolean {
  return error instanceof postgresJs.PostgresError;
}

/** One statement on a pool connection, ended by its signal whatever the server does. */
class Pending {
  #done = false;
  #grace: NodeJS.Timeout | undefined;

  constructor(
    private readonly lanes: Lanes,
    private readonly lane: Lane,
    private readonly query: ReturnType<Client['unsafe']>,
    private readonly context: ErrorContext,
    private readonly signal: AbortSignal,
    private readonly resolve: (rows: unknown) => void,
    private readonly reject: (reason: unknown) => void,
  ) {}

  start(): void {
    watch(this.signal, this);
    // The slot is given back when the statement ends, even after the caller was answered: a
    // discarded connection fails its statements at once.
    (this.query as unknown as Promise<unknown>).then(
      (rows) => {
        this.#ended();
        if (this.#done) return;
        this.#done = true;
        this.resolve(rows);
      },
      (error: unknown) => {
        this.#ended();
        if (this.#done) return;
        this.#done = true;
        if (!this.signal.aborted) return this.reject(toStorageError(error, this.context));
        // Ended by the cancel, but not by the server: the statement never left this process (so it
        // did not run). With nothing else in flight on its connection, nothing explains the wait but
        // the connection itself (never ready): replace it, or every statement routed to it would wait
        // out its deadline the same way. Behind a statement still running there, it merely waited
        // its turn, and that statement's own deadline decides.
        // (A fired signal has called `abort()`, so the cancel was sent: `watch` listens synchronously.)
        if (!confirmedByServer(error) && this.lane.inFlight === 0) this.lanes.discard(this.lane);
        this.reject(abortError(this.signal, this.context));
      },
    );
  }

  /** The signal fired: cancel on the server; discard the connection if that is not confirmed in time. */
  abort(): void {
    // Only statements still running are watched (a settled one leaves the set), and the grace timer
    // is cleared when the statement settles: neither runs for a finished statement.
    void Promise.resolve(this.query.cancel()).catch(() => undefined);
    this.#grace = setTimeout(() => {
      this.#done = true;
      this.lanes.discard(this.lane);
      this.reject(abandonedError(this.signal, this.context));
    }, CANCEL_GRACE_MS);
    this.#grace.unref();
  }

  #ended(): void {
    this.lanes.release(this.lane, false);
    WATCHED.get(this.signal)?.delete(this);
    clearTimeout(this.#grace);
  }
}

/**
 * Statements on the pool: each on the least loaded connection, callers beyond the pool's bound
 * waiting in its FIFO (see `Lanes`).
 *
 * With a signal, a statement ends by it whatever the server does. When it fires, the statement is
 * cancelled on the server: if the server confirms (the statement fails with 57014) or answers within
 * CANCEL_GRACE_MS, the outcome is known (cancelled = not applied; answered = applied and returned).
 * Otherwise the connection is discarded and replaced, never reused, and the error says the outcome
 * is unknown (`details.outcome = 'unknown'`).
 */
export function poolExecutor(lanes: Lanes): Executor {
  // Runs with a connection already taken; chains on the query directly (no extra async frames).
  const start = <Row>(lane: Lane, text: string, params: unknown[], context: ErrorContext): Promise<Row[]> =>
    // postgres.js builds queries lazily and never throws here; failures arrive as rejections.
    (lane.client.unsafe(text, params as never[], PREPARED) as unknown as Promise<Row[]>).then(
      (rows) => {
        lanes.release(lane, false);
        return rows;
      },
      (error: unknown) => {
        lanes.release(lane, false);
        throw toStorageError(error, context);
      },
    );
  const startWithSignal = <Row>(lane: Lane, text: string, params: unknown[], context: ErrorContext, signal: AbortSignal): Promise<Row[]> =>
    new Promise<Row[]>((resolve, reject) => {
      const statement = new Pending(lanes, lane, lane.client.unsafe(text, params as never[], PREPARED), context, signal, resolve as (rows: unknown) => void, reject);
      statement.start();
    });
  const waitWithSignal = <Row>(text: string, params: unknown[], context: ErrorContext, signal: AbortSignal): Promise<Row[]> =>
    lanes.acquire(false, signal).then(
      (lane) => {
        // The signal may have fired while this call resumed after getting its connection.
        if (!signal.aborted) return startWithSignal<Row>(lane, text, params, context, signal);
        lanes.release(lane, false);
        throw abortError(signal, context);
      },
      () => {
        throw abortError(signal, context);
      },
    );
  return {
    run<Args extends object, Row>(statement: Statement<Args, Row>, args: Args, context: ErrorContext, signal?: AbortSignal): Promise<Row[]> {
      const params = statement.bind(args);
      if (signal?.aborted === true) return Promise.reject(abortError(signal, context));
      const lane = lanes.tryAcquire();
      if (signal !== undefined) {
        if (lane !== undefined) return startWithSignal<Row>(lane, statement.text, params, context, signal);
        return waitWithSignal<Row>(statement.text, params, context, signal);
      }
      if (lane !== undefined) return start<Row>(lane, statement.text, params, context);
      return lanes.acquire(false).then((taken) => start<Row>(taken, statement.text, params, context));
    },
  };
}

/**
 * Statements on one transaction's connection. After the transaction's work has returned, the
 * handle refuses to run anything: a leaked handle must not write outside the atomic unit.
 */
export function transactionExecutor(transaction: Runner, isOpen: () => boolean): Executor {
  return {
    async run<Args extends object, Row>(statement: Statement<Args, Row>, args: Args, context: ErrorContext, signal?: AbortSignal): Promise<Row[]> {
      if (!isOpen()) throw adapterError('INVALID_ARGUMENT', 'the transaction has already ended', context);
      if (signal?.aborted === true) throw abortError(signal, context);
      return execute<Row>(transaction, statement.text, statement.bind(args), context, signal);
    },
  };
}
