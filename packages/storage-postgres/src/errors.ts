import { StorageError, classifySocketError, isStorageError, socketErrorCode, type StorageErrorCode } from '@sanctum/storage-core/spi';

/** The adapter name in errors, metrics and spans. */
export const ADAPTER = 'postgres';

/** How one driver or server condition surfaces to callers. */
export interface ErrorMapping {
  readonly code: StorageErrorCode;
  readonly retryable: boolean;
  /** What the caller reads; never the server's text, which can quote values. */
  readonly message: string;
}

const map = (code: StorageErrorCode, retryable: boolean, message: string): ErrorMapping => ({ code, retryable, message });

/**
 * THE mapping table. postgres.js' own codes, then exact SQLSTATEs, then SQLSTATE classes (first two
 * characters). Node.js socket codes follow the shared SPI rule (`classifySocketError`). Anything
 * else becomes INTERNAL.
 */
export const ERROR_MAPPINGS: {
  readonly sqlstate: Readonly<Record<string, ErrorMapping>>;
  readonly sqlstateClass: Readonly<Record<string, ErrorMapping>>;
  readonly client: Readonly<Record<string, ErrorMapping>>;
} = {
  sqlstate: {
    '23505': map('ALREADY_EXISTS', false, 'a row with this key already exists (unique violation)'),
    // Conflicts between concurrent transactions: running the same work again may succeed.
    '40001': map('CONSISTENCY', true, 'the transaction could not be serialized with a concurrent one; run it again'),
    '40P01': map('CONSISTENCY', true, 'the transaction deadlocked with a concurrent one and was aborted; run it again'),
    '57014': map('TIMEOUT', true, 'the statement was cancelled (statement_timeout)'),
    '53300': map('UNAVAILABLE', true, 'the server has too many connections'),
    '28P01': map('ACCESS_DENIED', false, 'authentication failed'),
    '28000': map('ACCESS_DENIED', false, 'the server refused this role or host'),
    '42501': map('ACCESS_DENIED', false, 'the role lacks a privilege this operation needs'),
    '3D000': map('CONFIG_INVALID', false, 'the configured database does not exist'),
    '42P01': map('UNAVAILABLE', false, "the records table does not exist: run migrateUp() or set migrate: 'on-start'"),
    '3F000': map('UNAVAILABLE', false, "the configured schema does not exist: run migrateUp() or set migrate: 'on-start'"),
    '42883': map('UNAVAILABLE', false, "a function of the schema is missing: run migrateUp() or set migrate: 'on-start'"),
    '25P02': map('INVALID_ARGUMENT', false, 'an earlier statement of this transaction failed; it can only roll back'),
    '54000': map('PAYLOAD_TOO_LARGE', false, 'the key or value exceeds a PostgreSQL size limit'),
    // Raised by the putMany statement's guard function (migration 002).
    SN409: map('ALREADY_EXISTS', false, "an ifNoneMatch '*' entry of putMany already exists; nothing was written"),
    SN412: map('PRECONDITION_FAILED', false, 'an ifMatch entry of putMany does not match; nothing was written'),
    // Raised by the WORM guard (migration 003).
    SN423: map('RETENTION_LOCKED', false, 'the record is in a WORM namespace under retention or legal hold: it cannot be overwritten or deleted yet'),
    SN424: map('RETENTION_LOCKED', false, 'a WORM policy can be neither removed nor shortened'),
  },
  sqlstateClass: {
    '08': map('UNAVAILABLE', true, 'the connection to PostgreSQL failed'),
    '22': map('INVALID_ARGUMENT', false, 'PostgreSQL rejected a value (e.g. a NUL character or an invalid surrogate in JSON)'),
    '23': map('INVALID_ARGUMENT', false, 'the write violates a constraint of the records table'),
    '40': map('CONSISTENCY', true, 'the transaction was rolled back by the server; run it again'),
    '53': map('UNAVAILABLE', true, 'the server is out of resources'),
    '57': map('UNAVAILABLE', true, 'the server is shutting down or not accepting connections'),
    '58': map('UNAVAILABLE', true, 'the server hit a system error'),
  },
  client: {
    CONNECT_TIMEOUT: map('UNAVAILABLE', true, 'connecting to PostgreSQL took longer than connectTimeoutMs'),
    CONNECTION_CLOSED: map('UNAVAILABLE', true, 'the connection to PostgreSQL closed during the query'),
    CONNECTION_DESTROYED: map('UNAVAILABLE', false, 'the store was closed while the query ran'),
    CONNECTION_ENDED: map('UNAVAILABLE', false, 'the store is closed'),
    MAX_PARAMETERS_EXCEEDED: map('INVALID_ARGUMENT', false, 'too many parameters in one statement'),
    SASL_SIGNATURE_MISMATCH: map('ACCESS_DENIED', false, 'the server failed SCRAM authentication'),
    AUTH_TYPE_NOT_IMPLEMENTED: map('CONFIG_INVALID', false, 'the server asks for an authentication method postgres.js does not support'),
  },
};

const UNKNOWN = map('INTERNAL', false, 'unexpected error from the PostgreSQL driver');

/** Where an error happened. */
export interface ErrorContext {
  readonly operation: string;
  readonly namespace?: string | undefined;
}

/** The mapping of a raw driver or server error; INTERNAL when nothing matches. */
export function mappingOf(error: unknown): ErrorMapping {
  const code = codeOf(error);
  if (code === undefined) return UNKNOWN;
  const socket = classifySocketError(error);
  if (socket !== undefined) return map(socket.code, socket.retryable, socket.message('PostgreSQL'));
  return ERROR_MAPPINGS.client[code] ?? ERROR_MAPPINGS.sqlstate[code] ?? (isSqlstate(code) ? ERROR_MAPPINGS.sqlstateClass[code.slice(0, 2)] : undefined) ?? UNKNOWN;
}

/**
 * Turns anything a query threw into a StorageError. StorageErrors pass through (with context
 * filled in); raw driver errors never leave this package. The cause kept is a copy with the
 * server's code and message only: postgres.js attaches the query's parameters (record values)
 * and the server's detail (key values) to its errors.
 */
export function toStorageError(error: unknown, context: ErrorContext): StorageError {
  if (isStorageError(error)) return error.withContext({ ...context, adapter: ADAPTER });
  const mapping = mappingOf(error);
  const code = codeOf(error);
  return new StorageError(mapping.code, mapping.message, {
    operation: context.operation,
    namespace: context.namespace,
    adapter: ADAPTER,
    retryable: mapping.retryable,
    cause: sanitized(error, code),
    ...(code === undefined ? {} : { details: detailsOf(error, code) }),
  });
}

/** A StorageError raised by this adapter itself (validation, preconditions). */
export function adapterError(
  code: StorageErrorCode,
  message: string,
  context: ErrorContext,
  details?: Readonly<Record<string, unknown>>,
  retryable?: boolean,
): StorageError {
  return new StorageError(code, message, {
    operation: context.operation,
    namespace: context.namespace,
    adapter: ADAPTER,
    retryable,
    ...(details === undefined ? {} : { details }),
  });
}

function detailsOf(error: unknown, code: string): Readonly<Record<string, unknown>> {
  if (code in ERROR_MAPPINGS.client || !isSqlstate(code) || socketErrorCode(error) !== undefined) return { driverCode: code };
  // The putMany guard puts the failing entry's index in the hint.
  const hint = (error as { hint?: unknown }).hint;
  if (GUARD_CODES.has(code) && typeof hint === 'string') return { sqlstate: code, entry: Number(hint) };
  return { sqlstate: code };
}

const GUARD_CODES: ReadonlySet<string> = new Set(['SN409', 'SN412']);

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

function isSqlstate(code: string): boolean {
  return /^[0-9A-Z]{5}$/.test(code);
}

function sanitized(error: unknown, code: string | undefined): Error {
  const message = error instanceof Error ? error.message : String(error);
  const copy = new Error(message);
  copy.name = error instanceof Error ? error.name : 'NonError';
  if (code !== undefined) Object.defineProperty(copy, 'code', { value: code, enumerable: true });
  return copy;
}
