import { abortedError, type StorageError } from '@sanctum/storage-core/spi';
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
  // A fired signal cancels the statement on the server (postgres.js sends a cancel request).
  const cancel = () => void query.cancel();
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
 * Statements on the pool: each on the least loaded connection, callers beyond the pool's bound
 * waiting in its FIFO (see `Lanes`).
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
  const withSignal = async <Row>(text: string, params: unknown[], context: ErrorContext, signal: AbortSignal): Promise<Row[]> => {
    if (signal.aborted) throw abortError(signal, context);
    let lane: Lane;
    try {
      lane = await lanes.acquire(false, signal);
    } catch {
      throw abortError(signal, context);
    }
    let rows: Row[];
    try {
      // The signal may have fired while this call resumed after getting its connection.
      if (signal.aborted) throw abortError(signal, context);
      rows = await execute<Row>(lane.client, text, params, context, signal);
    } finally {
      lanes.release(lane, false);
    }
    return rows;
  };
  return {
    run<Args extends object, Row>(statement: Statement<Args, Row>, args: Args, context: ErrorContext, signal?: AbortSignal): Promise<Row[]> {
      const params = statement.bind(args);
      if (signal !== undefined) return withSignal<Row>(statement.text, params, context, signal);
      const lane = lanes.tryAcquire();
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
