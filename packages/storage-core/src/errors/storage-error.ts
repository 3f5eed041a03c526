import { RETRYABLE_BY_DEFAULT, isStorageErrorCode, type StorageErrorCode } from './codes.js';

// Symbol.for so that two copies of core (a duplicated install) still recognise each other's errors.
const BRAND: unique symbol = Symbol.for('@sanctum/storage.StorageError') as never;

/** The fields that describe where and why an operation failed. */
export interface StorageErrorOptions {
  /** Overrides the code's default retryability. */
  readonly retryable?: boolean | undefined;
  /** The facade or adapter operation, e.g. `records.put`. */
  readonly operation?: string | undefined;
  /** The logical namespace the operation addressed. */
  readonly namespace?: string | undefined;
  /** The adapter name that produced the error. */
  readonly adapter?: string | undefined;
  /** The underlying error, kept for diagnosis; never shown as the message. */
  readonly cause?: unknown;
  /** Structured, non-secret details (e.g. config issue paths). */
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

/** The only error type the facade throws. Branch on `code`, never on `message`. */
export class StorageError extends Error {
  declare readonly [BRAND]: true;
  readonly code: StorageErrorCode;
  readonly retryable: boolean;
  readonly operation: string | undefined;
  readonly namespace: string | undefined;
  readonly adapter: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: StorageErrorCode, message: string, options: StorageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Object.defineProperty(this, BRAND, { value: true });
    this.name = 'StorageError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT[code];
    this.operation = options.operation;
    this.namespace = options.namespace;
    this.adapter = options.adapter;
    this.details = options.details;
  }

  /** A copy with context filled in where this error has none (used by layers as errors bubble up). */
  withContext(context: Pick<StorageErrorOptions, 'operation' | 'namespace' | 'adapter'>): StorageError {
    if (
      (this.operation ?? context.operation) === this.operation &&
      (this.namespace ?? context.namespace) === this.namespace &&
      (this.adapter ?? context.adapter) === this.adapter
    ) {
      return this;
    }
    const copy = new StorageError(this.code, this.message, {
      retryable: this.retryable,
      operation: this.operation ?? context.operation,
      namespace: this.namespace ?? context.namespace,
      adapter: this.adapter ?? context.adapter,
      cause: this.cause,
      ...(this.details === undefined ? {} : { details: this.details }),
    });
    if (this.stack !== undefined) copy.stack = this.stack;
    return copy;
  }

  /** A log-safe plain object: no cause chain, no stack. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      operation: this.operation,
      namespace: this.namespace,
      adapter: this.adapter,
      details: this.details,
    };
  }
}

/**
 * True when `error` is a StorageError (from any copy of core), optionally of one code.
 * Works across realms and duplicated installs because it checks a `Symbol.for` brand.
 */
export function isStorageError(error: unknown, code?: StorageErrorCode): error is StorageError {
  if (typeof error !== 'object' || error === null) return false;
  const branded = (error as Record<PropertyKey, unknown>)[BRAND] === true;
  if (!branded || !isStorageErrorCode((error as { code?: unknown }).code)) return false;
  return code === undefined || (error as { code: unknown }).code === code;
}
