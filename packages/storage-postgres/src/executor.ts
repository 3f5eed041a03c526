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

/** The error of a statement whose connection was discarded under it: retryable, unlike a closed store. */
function discardedError(cause: unknown, context: ErrorContext): StorageError {
  return new StorageError('UNAVAILABLE', `${context.operation} lost its connection: it was discarded after another statement on it missed its deadline`, {
    operation: context.operation,
    namespace: context.namespace,
    adapter: ADAPTER,
    retryable: true,
    cause,
  });
}

async function plain<Row>(runner: Runner, text: string, args: unknown[], context: ErrorContext): Promise<Row[]> {
  try {
    return (await runner.unsafe(text, args as never[], PREPARED)) as unknown as Row[];
  } catch (error) {
    throw toStorageError(error, context);
  }
}

/**
 * Runs a statement that carries a signal. When the signal fires before the answer, the call fails at
 * once: it never waits for a server that may not answer at all. The statement is cancelled on the
 * server and `abandon` is told, so the pool can drop a connection that did not answer in time.
 */
async function execute<Row>(
  runner: Runner,
  text: string,
  args: unknown[],
  context: ErrorContext,
  signal: AbortSignal,
  abandon?: () => void,
): Promise<Row[]> {
  const query = runner.unsafe(text, args as never[], PREPARED);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      void query.cancel();
      query.catch(() => {}); // its late failure is nobody's business any more
      abandon?.();
      reject(abortError(signal, context));
    };
  });
  signal.addEventListener('abort', onAbort!, { once: true });
  // Results are returned after `finally`, not from inside the try (v8 coverage misreports that).
  let rows: Row[];
  try {
    rows = (await Promise.race([query, aborted])) as unknown as Row[];
  } catch (error) {
    throw signal.aborted ? abortError(signal, context) : toStorageError(error, context);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
  return rows;
}

/**
 * Statements on the pool: each on the least loaded connection, callers beyond the pool's bound
 * waiting in its FIFO (see `Lanes`).
 */
export function poolExecutor(lanes: Lanes): Executor {
  // Runs with a connection already taken; chains on the query directly (no extra async frames).
  const start = <Row>(lane: Lane, text: string, params: unknown[], context: ErrorContext): Promise<Row[]> => {
    const client = lane.client;
    // postgres.js builds queries lazily and never throws here; failures arrive as rejections.
    return (client.unsafe(text, params as never[], PREPARED) as unknown as Promise<Row[]>).then(
      (rows) => {
        lanes.release(lane, false);
        return rows;
      },
      (error: unknown) => {
        lanes.release(lane, false);
        throw lanes.isDiscarded(client) ? discardedError(error, context) : toStorageError(error, context);
      },
    );
  };
  const withSignal = async <Row>(text: string, params: unknown[], context: ErrorContext, signal: AbortSignal): Promise<Row[]> => {
    if (signal.aborted) throw abortError(signal, context);
    // A free connection is taken without an await; only a wait for one listens to the signal.
    let lane = lanes.tryAcquire();
    if (lane === undefined) {
      try {
        lane = await lanes.acquire(false, signal);
      } catch {
        throw abortError(signal, context);
      }
    }
    let rows: Row[];
    const client = lane.client;
    try {
      // The signal may have fired while this call resumed after getting its connection.
      if (signal.aborted) throw abortError(signal, context);
      rows = await execute<Row>(client, text, params, context, signal, () => lanes.discard(lane, client));
    } catch (error) {
      throw !signal.aborted && lanes.isDiscarded(client) ? discardedError(error, context) : error;
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
      if (signal === undefined) return plain<Row>(transaction, statement.text, statement.bind(args), context);
      return execute<Row>(transaction, statement.text, statement.bind(args), context, signal);
    },
  };
}
